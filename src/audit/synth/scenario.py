"""The figures of the default scenario (scenario-gangu.md), reproduced exactly by the generator.

Every figure here is a fact of the county secretary's speech (``shared/seed/speech.txt``).
Household- and person-level figures scale with ``--scale``; village, project,
problem and complaint figures belong to the county and do not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["GANGU", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    """Recorded-layer figures of one synthetic county."""

    unsafe_houses: int = 240  # HOUSE-01: registered households in C/D houses
    uninsured_people: int = 4303  # MED-01: registered people without basic medical insurance
    no_subsidy_people: int = 6813  # MED-02: insured registered people without premium subsidy
    no_hukou_people: int = 19  # ID-04
    no_hukou_households: int = 16
    no_hukou_townships: int = 10
    settled_hukou_people: int = 4  # already settled (have 户籍 now)
    settled_hukou_households: int = 3
    water_points: int = 28  # VIL-04: central supply points to rebuild
    water_point_villages: int = 15
    pipe_km: float = 32.0  # km of pipes to repair
    road_km: float = 328.0  # km of village and group roads to harden
    road_km_disrepair: float = 51.0  # 畅返不畅
    projects: int = 275
    project_budget_wan: float = 35900.0  # 3.59 亿元
    projects_started_share: float = 0.30
    problems: int = 25
    problems_rectified: int = 4
    complaints: int = 7
    complaints_untrue: int = 6

    def scaled(self, scale: float) -> Scenario:
        """Return the scenario with household and person figures multiplied by ``scale``."""

        def s(n):
            return round(n * scale)

        people, settled = s(self.no_hukou_people), s(self.settled_hukou_people)
        # At small scales keep the figures consistent: 1–2 people per household.
        households = min(max(s(self.no_hukou_households), -(-people // 2)), people)
        settled_households = min(max(s(self.settled_hukou_households), -(-settled // 2)), settled)
        return replace(
            self,
            unsafe_houses=s(self.unsafe_houses),
            uninsured_people=s(self.uninsured_people),
            no_subsidy_people=s(self.no_subsidy_people),
            no_hukou_people=people,
            no_hukou_households=households,
            settled_hukou_people=settled,
            settled_hukou_households=settled_households,
        )


#: The demo county of the speech.
GANGU = Scenario()
