"""Shipment pages, split by topic: shipments and addresses, parcels and items, stores, labels."""
