"""The operational store: tables, engines, migrations and the queries services use."""
