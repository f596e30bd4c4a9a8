"""Moves a person makes on a Leaflet map, shared by the map journeys."""


def open_layers(page) -> None:
    """Show the layer list (on a phone it is folded behind a button)."""
    # A folded list opens when the pointer comes over its button.
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-expanded").wait_for()


def close_layers(page) -> None:
    """Fold the layer list again where it folds (it closes when the pointer leaves)."""
    if page.viewport_size["width"] < 768:
        page.locator("h1").hover()
