from quotabulk.cli import main

raise SystemExit(main())
