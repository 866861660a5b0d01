"""REST and WebSocket handlers of the madlab API."""
