"""How a gateway process is served: uvicorn with the options the media stream wants."""

from __future__ import annotations

from typing import Any

import uvicorn


def uvicorn_config(app: Any, **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        # The sans-I/O websockets implementation costs the least per message, and Twilio does not negotiate
        # permessage-deflate: compressing 160-byte frames would only cost CPU.
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,
        # Twilio frames are small; anything near this size is malformed and refused before it is parsed.
        "ws_max_size": 64 * 1024,
        "lifespan": "auto",
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)
