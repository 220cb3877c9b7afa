from ocop_kit.service_cli import main

main("portal", "ocop_portal")
