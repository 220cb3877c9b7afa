from ocop_kit.service_cli import main

main("search", "ocop_search")
