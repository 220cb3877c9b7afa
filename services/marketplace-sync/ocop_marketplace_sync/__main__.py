from ocop_kit.service_cli import main

main("marketplace_sync", "ocop_marketplace_sync")
