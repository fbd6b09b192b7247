from pause.entrypoints.cli import main

main()
