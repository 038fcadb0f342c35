from gridgov.cli import app

app()
