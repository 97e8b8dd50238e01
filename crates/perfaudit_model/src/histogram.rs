//! HDR histogram, serialized as base64 V2 deflate. Owned by the load stage (see DESIGN.md). Filled in by that stage's issue.
