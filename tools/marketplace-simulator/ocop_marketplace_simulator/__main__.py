from ocop_marketplace_simulator.app import main

main()
