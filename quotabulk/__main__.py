from quotabulk.cli.main import main

# Guarded: the console's planning processes (`spawn`) import this module as __mp_main__.
if __name__ == "__main__":
    raise SystemExit(main())
