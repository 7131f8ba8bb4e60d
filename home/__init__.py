"""The top of the dependency graph: pages that gather every app's work (the home page and its
dashboard, the navbar's counts) and the demo generator. Every app may be imported here; nothing
imports this app except the root URLconf (docs/architecture.md)."""
