"""`ocop up | token | simulate-marketplace` (see docs/API.md, "Starting it")."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ocop_kit.auth import ROLES, issue_token
from ocop_kit.settings import KitSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ocop", description="OCOP Hub")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the whole system")
    up.add_argument("--data-dir", type=Path, default=Path(".ocop"))
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--no-demo", action="store_true", help="do not load the demo data")

    token = sub.add_parser("token", help="print a bearer token the running system accepts")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--province")
    token.add_argument("--producer")
    token.add_argument("--subject")
    token.add_argument("--data-dir", type=Path, default=Path(".ocop"))

    sim = sub.add_parser("simulate-marketplace", help="run the marketplace seller-API simulator")
    sim.add_argument("--port", type=int, required=True)
    sim.add_argument("--error-rate", type=float, default=0.0)
    sim.add_argument("--rate-limit", type=float, default=20.0)
    sim.add_argument("--reject-rate", type=float, default=0.0)

    args = parser.parse_args(argv)
    if args.command == "up":
        from ocop_cli.supervisor import up as start

        sys.exit(start(args.data_dir, args.port, demo=not args.no_demo))
    elif args.command == "token":
        settings = KitSettings(data_dir=args.data_dir)
        try:
            print(
                issue_token(
                    settings,
                    args.role,
                    subject=args.subject,
                    province_code=args.province,
                    producer_id=args.producer,
                )
            )
        except ValueError as exc:
            parser.error(str(exc))
    elif args.command == "simulate-marketplace":
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "ocop_marketplace_simulator",
                "--port",
                str(args.port),
                "--error-rate",
                str(args.error_rate),
                "--rate-limit",
                str(args.rate_limit),
                "--reject-rate",
                str(args.reject_rate),
            ],
        )


if __name__ == "__main__":
    main()
