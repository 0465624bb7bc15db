from tandem.dashboard.dashboard_cli import main

raise SystemExit(main())
