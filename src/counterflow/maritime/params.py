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
