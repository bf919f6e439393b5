"""Geography and spatial analysis: pure functions over arrays, polygons and DataFrames (no Streamlit, no store)."""
