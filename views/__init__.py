"""Streamlit pages: presentation and caching only; every number comes from store/, geo/ or layers/."""
