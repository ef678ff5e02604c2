from ocrops.cli.main import run

run()
