from tsdesk.cli.main import entry

entry()
