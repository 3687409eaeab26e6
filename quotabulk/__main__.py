from quotabulk.cli.main import main

raise SystemExit(main())
