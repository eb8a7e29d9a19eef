"""Pure domain layer: input schemas, scenario, the numpy engine. No Qt, no file formats."""
