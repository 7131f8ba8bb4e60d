"""Shipment pages, split by topic: shipments and addresses, parcels and items, stores, labels.

Every view is `cache_control(private=True)`: each page carries someone's shipping data, which no
shared cache (a proxy, a CDN) may keep and give to the next visitor."""
