"""Run intake: /revops-request, challenge, prioritise, communicate."""
