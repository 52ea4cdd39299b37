"""A small HTTP client for the registry API, turning its JSON errors back into RegistryErrors."""
from __future__ import annotations

import sys
import time
from typing import Any

# httpx's package imports its own command line (httpx._main: rich, click, pygments), ~0.18 s of CPU that every
# `datareg` command would pay and none uses; an import refused here makes httpx fall back to a stub `main`.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
import httpx  # noqa: E402

from registry.errors import (  # noqa: E402
    ChainError,
    ChainUnavailable,
    ContractRevert,
    NotFound,
    RegistryError,
    ValidationError,
)

_CODES = {"not_found": NotFound, "invalid_input": ValidationError, "invalid_metadata": ValidationError,
          "invalid_request": ValidationError, "invalid_json": ValidationError, "invalid_text": ValidationError,
          "chain_error": ChainError, "chain_unavailable": ChainUnavailable}


class ApiClient:
    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def get(self, path: str, **params: Any) -> Any:
        return self._request("GET", path, params=params or None)

    def post(self, path: str, body: Any) -> Any:
        return self._request("POST", path, json=body)

    def post_bytes(self, path: str, data: bytes) -> Any:
        return self._request("POST", path, content=data, headers={"content-type": "application/octet-stream"})

    def get_text(self, path: str, **params: Any) -> str:
        response = self.http.get(path, params=params or None)
        if response.status_code >= 400:
            self._request("GET", path, params=params or None)  # raises the API's error
        return response.text

    def get_bytes(self, path: str, **params: Any) -> bytes:
        response = self.http.get(path, params=params or None)
        if response.status_code >= 400:
            self._request("GET", path, params=params or None)  # raises the API's error
        return response.content

    def wait_for_block(self, block: int, timeout: float = 15.0) -> None:
        """Waits (at most `timeout` seconds) until the API's index has every event up to `block`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (self.get("/v1/status")["indexed_block"] or 0) < block:
            time.sleep(0.02)

    def wait_for_asset(self, asset_id: str, timeout: float = 15.0) -> float | None:
        """Polls until the API shows the asset; returns the monotonic time it appeared, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.http.get(f"/v1/assets/{asset_id}").status_code == 200:
                return time.monotonic()
            time.sleep(0.01)
        return None

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RegistryError(
                f"Cannot reach the registry API at '{self.base_url}': {exc}. Start it (`make run`) or set "
                "DATAREG_API_URL."
            ) from exc
        if response.status_code < 400:
            return response.json()
        try:
            body = response.json()
        except ValueError:
            raise RegistryError(f"The API answered {response.status_code}: {response.text[:200]}") from None
        message = body.get("message") or str(body)
        if "contract_error" in body:
            raise ContractRevert(message, body["contract_error"]["name"], body["contract_error"]["args"])
        error = _CODES.get(body.get("error"), RegistryError)
        if issubclass(error, ValidationError):
            raise error(message, body.get("errors"))
        raise error(message)
