"""A small HTTP client for the registry API, turning its JSON errors back into RegistryErrors."""
from __future__ import annotations

import sys
import time
from typing import Any, NoReturn

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

_CODES: dict[str, type[RegistryError]] = {
    "not_found": NotFound, "content_not_found": NotFound, "invalid_input": ValidationError,
    "invalid_metadata": ValidationError, "invalid_request": ValidationError, "invalid_json": ValidationError,
    "invalid_text": ValidationError, "chain_error": ChainError, "chain_unavailable": ChainUnavailable}


#: Routes whose writes are authenticated by a signed request (a read request naming the method and path).
SIGNED_WRITES = ("/v1/webhooks",)


class ApiClient:
    def __init__(self, base_url: str, timeout: float = 60.0, reader: Any = None) -> None:
        """`reader`: a LocalAccount that signs a read request (registry/chain/read_request.py) for every GET, so
        that the API answers what that party may read (documents, contact details); None reads anonymously."""
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self.reader = reader
        self._domain: tuple[int, str] | None = None

    def get(self, path: str, **params: Any) -> Any:
        return self._request("GET", path, params=params or None)

    def _read_headers(self, method: str, path: str) -> dict[str, str]:
        """The Authorization header of a signed request for `method path`, when acting as a party: every GET, and
        the other methods of the routes that take a signed request as their authentication (/v1/webhooks)."""
        if self.reader is None or (method != "GET" and not path.startswith(SIGNED_WRITES)):
            return {}
        from registry.chain import read_request

        if self._domain is None:
            status = self._request("GET", "/v1/status", signed=False)
            self._domain = (int(status["chain_id"]), str(status["contracts"]["DataRegistry"]))
        chain_id, registry = self._domain
        return {"Authorization": read_request.sign(self.reader, read_request.resource_of(method, path), chain_id,
                                                   registry)}

    def post(self, path: str, body: Any = None) -> Any:
        return self._request("POST", path, json=body)

    def delete(self, path: str) -> None:
        response = self._send("DELETE", path)
        if response.status_code >= 400:
            self._raise(response)

    def post_bytes(self, path: str, data: bytes) -> Any:
        return self._request("POST", path, content=data, headers={"content-type": "application/octet-stream"})

    def get_text(self, path: str, **params: Any) -> str:
        response = self._send("GET", path, params=params or None)
        if response.status_code >= 400:
            self._raise(response)
        return response.text

    def get_bytes(self, path: str, **params: Any) -> bytes:
        response = self._send("GET", path, params=params or None)
        if response.status_code >= 400:
            self._raise(response)
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

    def _send(self, method: str, path: str, signed: bool = True, **kwargs: Any) -> httpx.Response:
        if signed:
            headers = self._read_headers(method, path)
            if headers:
                kwargs["headers"] = {**(kwargs.get("headers") or {}), **headers}
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RegistryError(
                f"Cannot reach the registry API at '{self.base_url}': {exc}. Start it (`make run`) or set "
                "DATAREG_API_URL."
            ) from exc

    def _request(self, method: str, path: str, signed: bool = True, **kwargs: Any) -> Any:
        response = self._send(method, path, signed, **kwargs)
        if response.status_code < 400:
            return response.json()
        self._raise(response)

    def _raise(self, response: httpx.Response) -> NoReturn:
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
