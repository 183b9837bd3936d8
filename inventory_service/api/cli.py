"""The API's commands: ``flask --app inventory_service stock set SKU QTY``."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

stock = AppGroup("stock", help="Stock levels.")


@stock.command("set")
@click.argument("sku")
@click.argument("quantity", type=click.IntRange(min=0))
def set_stock(sku, quantity):
    """Set the stock level of SKU (created if new)."""
    current_app.extensions["stock"].set(sku, quantity)
    click.echo(json.dumps(current_app.extensions["stock"].get(sku)))
