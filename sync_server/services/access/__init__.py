"""Access: who may come in, and how often.

web_sessions      console logins and sessions
throttle          failure counters with lockout, shared by every server process
rate_limit        the per-station request rate limit
station_auth      a signing station's key, its rate limit and its nonces (for api.auth)
"""
