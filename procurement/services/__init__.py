"""Every write and transition of procurement, one module per part."""
