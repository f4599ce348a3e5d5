"""Request body limits: 413 past the size limit, 408 past the time limit, as JSON errors.

server/middleware.py raises them as the body arrives."""

from fastapi import HTTPException


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body larger than the limit of {limit} bytes.")


class BodyTimeout(HTTPException):
    def __init__(self, limit_s: float) -> None:
        super().__init__(
            408,
            f"The request body did not arrive within {limit_s:g} s.",
            headers={"Connection": "close"},
        )
