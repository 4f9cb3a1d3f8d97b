#!/usr/bin/env python3
"""Local AWS emulator: moto's server (every service, as `moto_server` serves
them) plus the fill-ins in emulator/fill_ins/ and the control API under
/_emulator/.

    python3 emulator/server.py --host 127.0.0.1 --port 5000 [--update-seconds 5] [--plain]

--plain serves vanilla moto (only GET /_emulator/health answers, with
fillIns=false); the integration tests use it to check that moto still lacks
what the fill-ins provide. Once the port accepts connections the server prints
exactly one line, `emulator ready on http://HOST:PORT`, which emulator/launch.ts
waits for.

This file and emulator/fill_ins/ are type-checked by pyright in `npm run check`,
with the moto of the python3 on PATH (the check stops at "No module named 'moto'" without it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

# The fill_ins package sits next to this file; make it importable however the
# script is started.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument(
        "--update-seconds",
        type=float,
        default=5.0,
        help="how long endpoints stay Creating/Updating, and pipeline executions and transform jobs InProgress",
    )
    parser.add_argument("--plain", action="store_true", help="serve moto without fill-ins")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args()
    if args.update_seconds < 0:
        parser.error("--update-seconds must be >= 0")

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from fill_ins.control import ControlApp

    state = None
    if not args.plain:
        from fill_ins import install

        state = install(args.update_seconds)

    app = ControlApp(DomainDispatcherApplication(create_backend_app), state)
    # make_server binds and listens before returning, so the port accepts
    # connections from here on.
    server = make_server(args.host, args.port, app, threaded=True)
    host, port = server.server_address[:2]
    print(f"emulator ready on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
