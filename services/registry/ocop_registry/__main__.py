from ocop_kit.service_cli import main

main("registry", "ocop_registry")
