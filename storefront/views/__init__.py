"""The customer's pages, one module per part of the storefront. Each view is as
thin as an API view: a form, the same service the API calls, a redirect."""
