"""Every event threshold in one place (defaults follow Global Fishing Watch's published
method); the CLI exposes each as an option."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventParams:
    # gaps (GFW: every gap >= 6 h recorded; likely intentional if >= 12 h, starting >= 50 nm
    # from shore, with good reception before it: >= 14 positions in the 12 h before)
    gap_min_h: float = 6.0
    gap_intentional_h: float = 12.0
    gap_min_shore_nm: float = 50.0
    gap_reception_window_h: float = 12.0
    gap_reception_min_points: int = 14
    # port calls: enter within 3 km of a port/anchorage, leave beyond 4 km
    port_enter_km: float = 3.0
    port_exit_km: float = 4.0
    port_min_h: float = 1.0
    # encounters: within 500 m for >= 2 h, both < 2 kn, >= 10 km from an anchorage
    encounter_km: float = 0.5
    encounter_min_h: float = 2.0
    encounter_max_kn: float = 2.0
    encounter_min_port_km: float = 10.0
    encounter_bin_min: float = 10.0
    # loitering: >= 2 h under 2 kn (away from ports/anchorages)
    loiter_min_h: float = 2.0
    loiter_max_kn: float = 2.0
    loiter_min_port_km: float = 10.0
    # position jumps: an implied speed no ship can make
    jump_max_kn: float = 50.0
    jump_min_km: float = 5.0
    # spoofing (physical limits of a real ship; see maritime/spoofing.py)
    circle_min_kn: float = 3.0  # legs at least this fast count for circling
    circle_min_turns: float = 1.5  # revolutions turned the same way without a break
    circle_max_radius_km: float = 20.0
    circle_max_spread: float = 0.25  # radius standard deviation / radius
    grid_window: int = 10  # legs whose moves must all be whole steps of one lattice
    grid_min_step_deg: float = 0.002
    grid_min_moving: float = 0.4  # share of the window's legs that move at all
    frozen_min_fixes: int = 5  # identical fixes in a row ...
    frozen_min_kn: float = 3.0  # ... while the vessel reports at least this speed
    frozen_min_h: float = 0.5
    sogcog_min_legs: int = 6  # reported speed/course contradicting the positions, in a row
    sogcog_min_h: float = 0.5
    sogcog_max_leg_min: float = 30.0
    sogcog_min_moving_kn: float = 3.0  # positions this fast ...
    sogcog_min_moved_km: float = 0.3  # ... over a leg this long, while reporting <= 1/4 of it
    twin_min_returns: int = 2  # jumps away and back to the first track ...
    twin_max_h: float = 168.0  # ... each back within this time
    # identity and dark detections
    detection_explain_km: float = 3.0  # an AIS vessel this close explains a detection
    detection_max_kn: float = 25.0  # fastest a dark vessel is assumed to sail
