from contacthub.cli import app

app()
