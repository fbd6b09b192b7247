from billing.entrypoints.cli import main

main()
