"""Chinese labels for facts and values, for explanations (terms from GLOSSARY.md)."""

from __future__ import annotations

from typing import Any

from .engine.tables import Kind
from .units import CANONICAL_SYMBOL, DIMENSIONS

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 26 → 二十六 (article, paragraph and item numbers)."""
    tens, ones = divmod(number, 10)
    text = ("" if tens <= 1 else _CN_DIGITS[tens]) + ("十" if tens else "")
    return text + (_CN_DIGITS[ones] if ones or not tens else "")


def shown_value(value: Any, kind: Kind, dimension: str | None) -> Any:
    """A fact value as JSON: sets sorted, quantities with their canonical unit."""
    if value is None:
        return None
    if isinstance(value, frozenset):
        return sorted(value)
    if kind == Kind.QUANTITY:
        return f"{value:.10g} {CANONICAL_SYMBOL[DIMENSIONS[dimension or 'area'][1]]}"
    return value

FACT_LABELS_ZH: dict[str, str] = {
    "site.zones": "所在区域",
    "site.distance_to_national_road": "距国道距离",
    "site.distance_to_provincial_road": "距省道距离",
    "site.distance_to_expressway": "距高速公路距离",
    "site.distance_to_village_road": "距村级道路距离",
    "site.inside_urban_construction_land": "位于城镇建设用地范围内",
    "site.in_state_planned_mining_area": "位于国家规划矿区",
    "site.in_important_mining_area": "位于对国民经济具有重要价值的矿区",
    "site.in_no_mining_zone": "位于禁采区",
    "circumstances.severe_ecological_damage": "造成生态环境严重损害",
    "land.land_class": "土地类别",
    "land.approval": "用地审批",
    "land.conforms_to_spatial_plan": "符合国土空间规划",
    "land.temporary_use.approved": "临时用地经批准",
    "land.facility_agri.filed": "设施农业用地已备案",
    "land.facility_agri.actual_use": "设施农业用地实际用途",
    "land.facility_agri.destroys_tillage_layer": "破坏耕作层",
    "land.facility_agri.pbf_replacement_done": "已补划永久基本农田",
    "land.planting_conditions_destroyed": "种植条件被破坏",
    "activity.kind": "行为类型",
    "activity.structure": "建筑物或构筑物",
    "activity.permanent": "永久性",
    "activity.stage": "进展阶段",
    "activity.villager_own_home": "村民自建住宅",
    "activity.river_sand": "河道采砂",
    "permits.planning.status": "（乡村）建设工程规划许可证状态",
    "permits.planning.conforming": "按许可建设",
    "permits.planning.kind_stated": "规划许可证种类（未说明则两类均引）",
    "permits.exploration_licence.status": "勘查许可证状态",
    "permits.exploration_licence.right_held": "持有探矿权",
    "permits.mining_licence.right_held": "持有采矿权",
    "permits.mining_licence.status": "采矿许可证状态",
    "permits.right_exemption": "无需取得矿业权的情形",
    "permits.mining_licence.within_boundary": "在矿区范围内",
    "permits.mining_licence.mineral_matches": "开采矿种相符",
    "zone_kinds.tier": "巡查区域等级",
    "violations.item": "第九条所列违法行为",
    "violations.undetermined": "缺少事实，尚不能确定是否违法",
    "finding.finding": "巡查发现",
    "party.identified": "有明确的违法行为人",
    "limitation.within": "未超过追诉时效",
    "party.agricultural_land_penalties_within_two_years": "二年内因非法占用农用地受行政处罚次数",
    "party.mining_penalties_within_two_years": "二年内因非法采矿受行政处罚次数",
    "activity.other_provision_named": "指明所违反的其他规定",
    "land.facility_agri.area_exceeds_filing": "设施农业用地实际面积超过备案面积",
    "land.facility_agri.facility_type": "设施农业用地类型",
    "permits.exploration_licence.mineral_matches": "勘查矿种相符",
    "permits.exploration_licence.within_boundary": "在勘查区范围内",
    "permits.river_sand_permit": "河道采砂许可",
    # what the criminal lines (Art. 14 ¶2) read or wait on
    "land.restored": "土地已恢复原状",
    "party.penalised_within_three_years": "三年内因非法占用草原受过行政处罚",
    "activity.protected_mineral": "开采国家规定实行保护性开采的特定矿种",
    "activity.in_no_mining_period": "在禁采期内开采",
    "quantities.area": "占用面积（按地类）",
    "quantities.ore_value": "开采的矿产品价值",
    "quantities.area_total": "占用总面积",
    "quantities.forest_line_ratio": "公益林地、商品林地按入罪标准折算的比例",
    "crime.area.permanent_basic_farmland": "占用永久基本农田面积（含一年内未处理的）",
    "crime.area.ordinary_cultivated_land": "占用基本农田以外的耕地面积（含一年内未处理的）",
    "crime.area.forest_public_welfare": "占用公益林地面积（含一年内未处理的）",
    "crime.area.forest_commercial": "占用商品林地面积（含一年内未处理的）",
    "crime.area.forest": "占用林地面积（含一年内未处理的）",
    "crime.area.grassland": "占用草原面积（含一年内未处理的）",
    "crime.ore_value": "矿产品价值（含二年内未处理的）",
}

VALUE_LABELS_ZH: dict[str, str] = {
    "key": "重点巡查区域",
    "general": "一般巡查区域",
    "unlisted": "未列明区域",
    "permanent_basic_farmland_area": "永久基本农田保护区",
    "yangtze_eco_sensitive_area": "长江沿线生态敏感区",
    "protected_natural_area": "自然保护地",
    "city_planning_area": "城市规划区",
    "town_planning_area": "场镇规划区",
    "national_provincial_road_corridor": "国省道两侧",
    "urban_rural_fringe": "城乡结合部",
    "important_mining_area": "重要矿区",
    "ordinary_cultivated_land": "一般耕地",
    "ordinary_agricultural_land": "一般农用地",
    "village_planning_area_surroundings": "村庄规划区及其周边区域",
    "village_road_corridor": "村级道路两侧",
    "approved_land_use_area": "已经审批的用地区域",
    "full_coverage_patrol": "全面巡查",
    "targeted_patrol": "重点巡查",
    "permanent_basic_farmland": "永久基本农田",
    "forest_public_welfare": "公益林地",
    "forest_commercial": "商品林地",
    "grassland": "草地",
    "other_agricultural": "其他农用地",
    "construction_land": "建设用地",
    "unused_land": "未利用地",
    "house": "建房",
    "building": "建设（建筑物）",
    "structure": "构筑物",
    "kiln": "建窑",
    "grave": "建坟",
    "sand_digging": "挖砂",
    "quarrying": "采石",
    "mining": "采矿",
    "exploration": "勘查",
    "soil_removal": "取土",
    "waste_dumping": "堆放固体废弃物",
    "land_occupation": "占用土地",
    "orchard_or_fishpond": "发展林果业或挖塘养鱼",
    "facility_agriculture": "设施农业",
    "planned": "拟建",
    "under_construction": "在建",
    "completed": "新建成",
    "none": "无",
    "violation": "违法行为",
    "suspected": "涉嫌违法（待初步核查）",
    "approved": "已批准",
    "not_required": "无需批准",
    "obtained_by_deceit": "以欺骗手段取得批准",
    "exceeded": "超过批准的数量",
    "valid": "有效",
    "expired": "已过期",
    "revoked": "已吊销",
    "cancelled": "已注销",
}


def label(name: str, lang: str) -> str:
    """A fact's label: Chinese where known, else its identifier."""
    return FACT_LABELS_ZH.get(name, name) if lang == "zh" else name


def value_label(value: Any, lang: str) -> str:
    """A value as a reader sees it: Chinese terms for enum members in ``zh``."""
    if isinstance(value, list):
        joined = ("、" if lang == "zh" else ", ").join(value_label(v, lang) for v in value)
        return joined or ("无" if lang == "zh" else "none")
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, str) and lang == "zh":
        return VALUE_LABELS_ZH.get(value, value)
    return str(value)
