from asba.cli.main import main

raise SystemExit(main())
