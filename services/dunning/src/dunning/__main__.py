from dunning.entrypoints.cli import main

main()
