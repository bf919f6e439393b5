"""Briefing packs, ward profiles and the Partnership Plan scorecard: what partners take into the room.

The flow is one way: :mod:`briefing.packs` (and :mod:`briefing.ward_profile`, :mod:`briefing.scorecard`)
gather numbers from ``store``/``geo`` into plain dataclasses; :mod:`briefing.suppression` turns them into
what an audience may see; :mod:`briefing.pdf` lays them out. The numbers are never recomputed for
presentation, so a pack and the app agree by construction.
"""
