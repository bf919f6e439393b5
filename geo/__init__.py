"""Geography and spatial analysis: pure functions over arrays, polygons and frames (no Streamlit)."""
