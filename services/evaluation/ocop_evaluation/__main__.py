from ocop_kit.service_cli import main

main("evaluation", "ocop_evaluation")
