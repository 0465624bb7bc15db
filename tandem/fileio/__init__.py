"""Files that survive crashes and concurrent readers: atomic replacement, locks, torn-line-safe
JSON lines, log tails, moving a folder's contents aside. Standard library only; imports nothing
else of tandem."""
