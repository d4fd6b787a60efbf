"""The bot scopes, and why each is needed. config/manifest.yml must declare exactly these."""

BOT_SCOPES: dict[str, str] = {
    "commands": "/revops-request, /revops-project, /revops-win and the message shortcut",
    "chat:write": "cards in channels the bot is in, DMs to users (user id as channel)",
    "users:read": "time zone, locale and admin flag of a user (users.info, users.list)",
    "users:read.email": "map a HubSpot deal owner's e-mail to a Slack user",
    "usergroups:read": "who may file requests, who is in the RevOps team",
    "channels:read": "check the bot is in a public channel chosen in settings; "
    "member_joined_channel: the bot invited to the celebration channel posts what waited",
    "channels:join": "join a public channel chosen in settings when asked to",
    "groups:read": "check the bot is in a private channel chosen in settings; "
    "member_joined_channel for a private celebration channel",
    "channels:history": "message.channels: a requester's answer in a request card's thread",
    "groups:history": "message.groups: the same when the intake channel is private",
    "reactions:write": "add a reaction to a celebration post",
    "reactions:read": "count reactions on win posts for the monthly best cases",
    "im:history": "after a crash, find whether a digest DM already went out (its metadata)",
    "files:write": "send an admin their privacy or CSV export by DM; upload the reports' charts",
    "im:write": "open the DM an export file is shared in (conversations.open)",
}
