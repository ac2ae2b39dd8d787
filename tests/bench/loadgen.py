"""A small HTTP load generator, used when wrk is not installed.

Threads, each with its own keep-alive connection (reopened whenever the server closes
it), send GET requests to one URL on 127.0.0.1 for a fixed time or number of requests,
and the result is printed as JSON: requests, errors, requests per second, p50 and p99
latency in milliseconds and bytes received.

    python tests/bench/loadgen.py --port 8765 --path /decisions/ --connections 4 --duration 8
"""

import argparse
import http.client
import json
import threading
import time


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def run(
    *, port: int, path: str, connections: int, duration: float, max_requests: int, headers: dict
) -> dict:
    deadline = time.perf_counter() + duration
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}
    received = [0]
    sent = [0]

    def claim() -> bool:
        with lock:
            if sent[0] >= max_requests:
                return False
            sent[0] += 1
            return True

    def worker():
        connection = None
        mine: list[float] = []
        while time.perf_counter() < deadline and claim():
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                size = 0
                while chunk := response.read(65536):
                    size += len(chunk)
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(repr(error))
                connection.close()
                connection = None
                continue
            mine.append(time.perf_counter() - began)
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
                received[0] += size
            if response.will_close:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()
        with lock:
            latencies.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "statuses": {str(status): n for status, n in sorted(statuses.items())},
        "bytes": received[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="GET one URL on 127.0.0.1 under load.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds, at most 120")
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    args = parser.parse_args()
    headers = dict(item.split(": ", 1) for item in args.header)
    result = run(
        port=args.port,
        path=args.path,
        connections=max(1, min(args.connections, 64)),
        duration=min(args.duration, 120.0),
        max_requests=args.max_requests,
        headers=headers,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
