// Placeholder: the cache micro-benchmark (see bench/README.md).
print("token cache benchmark: not written yet")
