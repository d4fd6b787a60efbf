"""Project animation: check-ins, KPIs against targets, milestones, the weekly flash report."""
