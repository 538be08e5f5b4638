"""The input: one patrol observation, designed from the deciding facts of Arts. 8–15, 20.

Every fact a patrol may not know is optional, and ``None`` means *unknown* —
never a legal answer. Quantities carry their units ("3.5亩", "2000 平方米",
"5万元") and are kept exact. Identifiers follow GLOSSARY.md.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from . import units
from .engine.facts import QuantityMarker


def _validator(dimension: str) -> Any:
    readable = units.DIMENSIONS[dimension][2]

    def validate(value: Any) -> Any:
        try:
            quantity = units.parse_quantity(value, dimension)
        except units.QuantityError as exc:
            raise PydanticCustomError("quantity", "{reason}", {"reason": exc.reason, "expected": readable}) from None
        if quantity.magnitude < 0:
            raise PydanticCustomError("quantity", "must not be negative", {"expected": readable})
        return quantity

    return BeforeValidator(validate)


def _schema(dimension: str) -> WithJsonSchema:
    return WithJsonSchema({
        "description": units.DIMENSIONS[dimension][2],
        "anyOf": [
            {"type": "string", "examples": ["3.5亩", "2000 平方米", "30 m", "5万元"]},
            {"type": "object", "properties": {"value": {"type": "number"}, "unit": {"type": "string"}},
             "required": ["value", "unit"]},
        ],
    })


_AS_TEXT = PlainSerializer(units.format_quantity, return_type=str)
Area = Annotated[Any, QuantityMarker("area"), _validator("area"), _AS_TEXT, _schema("area")]
Length = Annotated[Any, QuantityMarker("length"), _validator("length"), _AS_TEXT, _schema("length")]
Money = Annotated[Any, QuantityMarker("money"), _validator("money"), _AS_TEXT, _schema("money")]
Volume = Annotated[Any, QuantityMarker("volume"), _validator("volume"), _AS_TEXT, _schema("volume")]


# Dates read from input: every deadline, limitation period and time zone computed from them stays
# inside the years Python can represent (a date of 9999 overflowed there).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def _in_range(value: Any) -> Any:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise PydanticCustomError("date_range", "out of range",
                                  {"expected": f"a date from {EARLIEST} to {LATEST}"})
    return value


# Wanzhou's clock: every moment read is taken to Beijing time (UTC+8, no daylight saving), so that its
# date — which decides the law in force, the working days and every "day" deadline — is the date in
# Wanzhou whatever offset the input was written in, and hours are real hours.
CHINA = dt.timezone(dt.timedelta(hours=8))


def _in_china(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(CHINA)
    except OverflowError:  # 9999-12-31T23:00-12:00 is in year 10000 in Wanzhou
        raise PydanticCustomError("date_range", "out of range",
                                  {"expected": f"a date from {EARLIEST} to {LATEST}"}) from None


Day = Annotated[dt.date, AfterValidator(_in_range)]
# the range is checked on Wanzhou's date, after the move to Beijing time: 2999-12-31T23:00-12:00 is 3000-01-01
Moment = Annotated[AwareDatetime, AfterValidator(_in_china), AfterValidator(_in_range)]


class InputModel(BaseModel):
    """Base of every input model: unknown fields, NaN and infinities are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


_Model = InputModel


# ---- enumerations (GLOSSARY.md) --------------------------------------------


class ZoneKind(StrEnum):
    """Zones listed in Art. 8 ¶3: items (一) key and (二) general."""

    permanent_basic_farmland_area = "permanent_basic_farmland_area"
    yangtze_eco_sensitive_area = "yangtze_eco_sensitive_area"
    protected_natural_area = "protected_natural_area"
    city_planning_area = "city_planning_area"
    town_planning_area = "town_planning_area"
    national_provincial_road_corridor = "national_provincial_road_corridor"
    urban_rural_fringe = "urban_rural_fringe"
    important_mining_area = "important_mining_area"
    ordinary_cultivated_land = "ordinary_cultivated_land"
    ordinary_agricultural_land = "ordinary_agricultural_land"
    village_planning_area_surroundings = "village_planning_area_surroundings"
    village_road_corridor = "village_road_corridor"
    approved_land_use_area = "approved_land_use_area"


class LandClass(StrEnum):
    """Class of the occupied land (土地管理法 第4条; forest and grassland for 刑法 第342条)."""

    permanent_basic_farmland = "permanent_basic_farmland"
    ordinary_cultivated_land = "ordinary_cultivated_land"
    forest_public_welfare = "forest_public_welfare"
    forest_commercial = "forest_commercial"
    grassland = "grassland"
    other_agricultural = "other_agricultural"
    construction_land = "construction_land"
    unused_land = "unused_land"


class ApprovalStatus(StrEnum):
    """Land-use approval for the occupation (土地管理法 第44、77条)."""

    none = "none"
    approved = "approved"
    not_required = "not_required"
    obtained_by_deceit = "obtained_by_deceit"
    exceeded = "exceeded"


class ActivityKind(StrEnum):
    """What the party is doing on the land (Art. 9; GLOSSARY activity.*)."""

    house = "house"
    building = "building"
    kiln = "kiln"
    grave = "grave"
    sand_digging = "sand_digging"
    quarrying = "quarrying"
    mining = "mining"
    exploration = "exploration"
    soil_removal = "soil_removal"
    waste_dumping = "waste_dumping"
    land_occupation = "land_occupation"
    orchard_or_fishpond = "orchard_or_fishpond"
    facility_agriculture = "facility_agriculture"
    other = "other"


class StructureKind(StrEnum):
    """What the act produces: 建筑物 / 构筑物 / nothing built."""

    none = "none"
    building = "building"
    structure = "structure"


class Stage(StrEnum):
    """Art. 11(二): 拟建 / 在建 / 新建成; an act under way is 正在实施 (Art. 13 ¶3)."""

    planned = "planned"
    under_construction = "under_construction"
    completed = "completed"


class PermitStatus(StrEnum):
    none = "none"
    valid = "valid"
    expired = "expired"
    revoked = "revoked"
    cancelled = "cancelled"


class RightExemption(StrEnum):
    """Where no exploration or mining right is needed (矿产资源法（2024）第二十八条、第二十九条, from 2025-07-01):
    国家出资勘查矿产资源 (28 一); 采矿权人在登记的开采区域内为开采活动需要进行勘查 (28 二); 个人为生活自用采挖只能
    用作普通建筑材料的砂、石、黏土 (29 一); 建设项目施工单位在批准的作业区域和建设工期内因施工需要采挖 (29 二)."""

    none = "none"
    state_funded_exploration = "state_funded_exploration"
    mining_area_exploration = "mining_area_exploration"
    personal_building_materials = "personal_building_materials"
    construction_site_materials = "construction_site_materials"


class PlanningPermitKind(StrEnum):
    construction_planning_permit = "construction_planning_permit"
    rural_planning_permit = "rural_planning_permit"


class FacilityType(StrEnum):
    planting_facility = "planting_facility"
    breeding_facility = "breeding_facility"
    auxiliary_facility = "auxiliary_facility"


class FacilityUse(StrEnum):
    """Actual use of facility agricultural land (自然资规〔2019〕4号)."""

    agricultural_production = "agricultural_production"
    dwelling = "dwelling"
    catering = "catering"
    lodging = "lodging"
    industrial = "industrial"
    storage_non_agri = "storage_non_agri"
    other_non_agri = "other_non_agri"


class PartyKind(StrEnum):
    individual = "individual"
    villager = "villager"
    enterprise = "enterprise"
    government_body = "government_body"
    unidentified = "unidentified"


class LeadSource(StrEnum):
    """How the violation came to notice (Art. 20)."""

    patrol = "patrol"
    satellite_enforcement = "satellite_enforcement"
    complaint_phone = "complaint_phone"
    complaint_letter = "complaint_letter"
    complaint_email = "complaint_email"
    leader_referral = "leader_referral"
    lower_level_report = "lower_level_report"
    media_report = "media_report"
    informant = "informant"


class UnitKind(StrEnum):
    """Implementing bodies (Art. 7)."""

    district_bureau = "district_bureau"
    enforcement_detachment = "enforcement_detachment"
    resource_station = "resource_station"


# ---- parts of an observation -----------------------------------------------


class Site(_Model):
    """Where the act is (Art. 8). Distances come from GIS; ``zones`` lists the Art. 8 zones the site lies in."""

    zones: frozenset[ZoneKind] | None = Field(
        None, description="Art. 8 zones the site lies in; [] = known to lie in none; null = unknown")
    distance_to_national_road: Length | None = Field(None, description="from the outer edge of 公路用地 (国道)")
    distance_to_provincial_road: Length | None = Field(None, description="from the outer edge of 公路用地 (省道)")
    distance_to_expressway: Length | None = Field(None, description="from the outer edge of 公路用地 (高速公路)")
    distance_to_village_road: Length | None = Field(None, description="from the edge of a 村级道路")
    inside_urban_construction_land: bool | None = Field(
        None, description="inside the planned 城镇建设用地范围 (Art. 9(七); 重庆市人民政府令第282号 第4条)")
    in_state_planned_mining_area: bool | None = Field(None, description="国家规划矿区 (法释〔2016〕25号 第3条)")
    in_important_mining_area: bool | None = Field(
        None, description="对国民经济具有重要价值的矿区 (法释〔2016〕25号 第3条(二)), a legal designation: the Art. 8 "
                          "zone 重要矿区 in ``zones`` decides the patrol tier and does not set it")
    in_no_mining_zone: bool | None = Field(None, description="禁采区")
    in_national_park_or_reserve: bool | None = Field(None, description="国家公园 / 国家级自然保护区 (刑法 第342条之一)")
    township: str | None = Field(None, description="镇乡人民政府 or 街道办事处 where the site lies (Art. 14)")
    address: str | None = None
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)


class TemporaryUse(_Model):
    """Temporary land use (土地管理法 第57条)."""

    approved: bool | None = None
    expires_on: Day | None = None


class FacilityAgri(_Model):
    """Facility agricultural land (设施农业用地, 自然资规〔2019〕4号; Art. 9(五))."""

    filed: bool | None = Field(None, description="filed (备案) with the township government")
    facility_type: FacilityType | None = None
    actual_use: FacilityUse | None = None
    filed_area: Area | None = None
    actual_area: Area | None = None
    destroys_tillage_layer: bool | None = None
    pbf_replacement_done: bool | None = Field(None, description="补划 done where PBF was unavoidably used")


class Land(_Model):
    """The occupied land and its approvals."""

    land_class: LandClass | None = None
    approval: ApprovalStatus | None = None
    conforms_to_spatial_plan: bool | None = Field(None, description="土地管理法 第77条: demolish or confiscate")
    temporary_use: TemporaryUse | None = None
    facility_agri: FacilityAgri | None = None
    planting_conditions_destroyed: bool | None = Field(None, description="种植条件 destroyed (刑法 第342条)")
    restored: bool | None = Field(None, description="land restored: ends the continuing act (APL 第36条)")


class Activity(_Model):
    """What is being done, what it produces and how far it has gone."""

    kind: ActivityKind | None = None
    structure: StructureKind | None = None
    permanent: bool | None = Field(None, description="permanent building or structure (永久性)")
    stage: Stage | None = None
    villager_own_home: bool | None = Field(None, description="a villager building an own home (土地管理法 第78条)")
    river_sand: bool | None = Field(None, description="river-bed sand (法释〔2016〕25号 第4条)")
    protected_mineral: bool | None = Field(
        None, description="a mineral under protective mining by the state (法释〔2016〕25号 第3条)")
    in_no_mining_period: bool | None = Field(None, description="during a 禁采期 (法释〔2016〕25号 第3条)")
    description: str | None = None
    other_provision: str | None = Field(
        None, description="the provision violated, for Art. 9(八), e.g. '《中华人民共和国土地管理法》第七十四条'")


class PlanningPermit(_Model):
    """(乡村)建设工程规划许可证 (城乡规划法 第40、41条)."""

    kind: PlanningPermitKind | None = None
    status: PermitStatus | None = None
    conforming: bool | None = Field(None, description="built as the permit allows")


class MineralLicence(_Model):
    """勘查许可证 / 采矿许可证 (矿产资源法; 法释〔2016〕25号 第2条)."""

    status: PermitStatus | None = None
    within_boundary: bool | None = None
    mineral_matches: bool | None = None
    right_held: bool | None = Field(
        None, description="the 探矿权 / 采矿权 itself is held: under 矿产资源法（2024）第三十三条 the right "
                          "comes first and the licence after the plan is approved (a holder working without "
                          "it: 第六十六、六十七条)")


class Permits(_Model):
    planning: PlanningPermit | None = None
    exploration_licence: MineralLicence | None = None
    mining_licence: MineralLicence | None = None
    river_sand_permit: PermitStatus | None = None
    right_exemption: RightExemption = Field(
        RightExemption.none, description="an exemption from needing the exploration or mining right, as "
                                         "stated (矿产资源法（2024）第二十八、二十九条); 'none' unless stated")


class Quantities(_Model):
    """Measured amounts, each with its unit."""

    area: dict[LandClass, Area] | None = Field(None, description="occupied area by land class")
    ore_value: Money | None = Field(None, description="value of ore mined (法释〔2016〕25号 第3条)")
    volume: Volume | None = None
    construction_cost: Money | None = Field(None, description="建设工程造价 (城乡规划法 第64条)")
    loss: Money | None = None
    prior_unprocessed_area: dict[LandClass, Area] | None = Field(
        None, description="land the same party illegally occupied within the past year, not yet processed; "
                          "counted with this act for the criminal lines (法释〔2000〕14号 第9条)")
    prior_unpunished_ore_value: Money | None = Field(
        None, description="ore the same party mined illegally within the past two years, not yet processed; "
                          "counted with this act for the criminal lines (法释〔2016〕25号)")


class Party(_Model):
    """The (suspected) offender."""

    kind: PartyKind | None = None
    name: str | None = None
    identified: bool | None = Field(None, description="an identifiable party (立案 condition)")
    is_official: bool | None = None
    # Each criminal line counts prior penalties for its own kind of act only, so the two are kept apart.
    agricultural_land_penalties_within_two_years: int | None = Field(
        None, ge=0, le=1000,
        description="administrative penalties for illegally occupying agricultural land (非法占用农用地) in the last "
                    "two years (法释〔2023〕8号 第1条第（四）项)")
    mining_penalties_within_two_years: int | None = Field(
        None, ge=0, le=1000,
        description="administrative penalties for illegal mining (非法采矿) in the last two years "
                    "(法释〔2016〕25号 第3条第（三）项)")
    penalised_within_three_years: bool | None = Field(
        None, description="penalised for occupying grassland in the last three years (2012 草原 interpretation 第2条)")


class Circumstances(_Model):
    """Aggravating facts that decide reports and escalation (Arts. 14, 15, 21)."""

    violence_against_officers: bool | None = None
    obstruction: bool | None = None
    retaliation_against_officers: bool | None = Field(None, description="对巡查人员打击报复 (Art. 21)")
    mass_incident: bool | None = None
    government_involved: bool | None = None
    harms_life_health_or_property_safety: bool | None = Field(
        None, description="5-year limitation (行政处罚法 第36条)")
    written_stop_ineffective: bool | None = None
    severe_ecological_damage: bool | None = Field(
        None, description="the illegal mining 造成生态环境严重损害 (法释〔2016〕25号 第3条(四))")


class Patrol(_Model):
    """Who found it (Arts. 7, 12)."""

    unit_kind: UnitKind | None = None
    unit_name: str | None = None
    officers: tuple[str, ...] = ()
    route: str | None = None


class Observation(_Model):
    """One patrol observation of one site and act."""

    id: str | None = Field(None, description="your identifier, echoed in the decision")
    observed_at: Moment = Field(
        description="when it was seen (timezone-aware); rules are chosen as of this date")
    site: Site = Site()
    land: Land = Land()
    activity: Activity = Activity()
    permits: Permits = Permits()
    quantities: Quantities = Quantities()
    party: Party = Party()
    circumstances: Circumstances = Circumstances()
    patrol: Patrol = Patrol()
    lead_source: LeadSource | None = Field(None, description="Art. 20")
    act_started_on: Day | None = None
    act_ended_on: Day | None = Field(None, description="the act ended (a continuing act runs until then)")
    project_name: str | None = None

    @field_validator("act_ended_on")
    @classmethod
    def _act_ends_after_it_starts_and_before_it_is_seen(cls, value: dt.date | None,
                                                        info: ValidationInfo) -> dt.date | None:
        started, seen = info.data.get("act_started_on"), info.data.get("observed_at")
        if value is not None and started is not None and value < started:
            raise PydanticCustomError("act_order", "the act ends before it starts",
                                      {"expected": f"a date on or after act_started_on ({started})"})
        if value is not None and seen is not None and value > seen.date():
            raise PydanticCustomError("act_order", "the act ends after it was observed",
                                      {"expected": f"a date on or before observed_at ({seen.date()}); "
                                                   "an act still going on has no end date"})
        return value
