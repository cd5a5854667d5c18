"""The demo: generators of simulated shoppers, catalogues, sellers' files and whole worlds.

Production code never imports this package (tests/unit/test_layering.py holds that): the demo
feed's timer, the first model trained on simulated worlds and the sample files are composed
from here by the function app, the local host and the command lines.
"""
