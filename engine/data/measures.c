/*
 * measures.c - the canonical measures cascade knows, and which rows of the
 * England detail file (england-csc-detail-2008-2019.csv) give them.
 *
 * The names are the wide files' column names as published and the by-age
 * file's measure names as published; the measures only the detail file has
 * are named in the same style. Where the detail file has several versions
 * of a measure (as first published, current DfE series, another basis),
 * exactly one is mapped: the current DfE series where there is one, since
 * that is what the England summary file holds (docs/data.md lists every
 * choice and every row not read).
 */
#include <assert.h>
#include <string.h>

#include "data/series_internal.h"

static const cs_measure_info measures[] = {
    /* The wide files' columns. */
    {"population_0_17", CS_OBS_POPULATION, 0, 17, "children",
     "ONS mid-year estimate of children aged 0-17 used for the year (mid-(t-1) "
     "for the year to 31 March t)"},
    {"referrals", CS_OBS_FLOW, 0, 17, "referrals",
     "Referrals to children's social care in the year"},
    {"rereferral_pct", CS_OBS_PERCENT, -1, -1, "%",
     "Referrals within 12 months of a previous referral, % of referrals"},
    {"cin_31_march", CS_OBS_STOCK, 0, 17, "children",
     "Children in need at 31 March (including those on a child protection "
     "plan and those looked after)"},
    {"s47_enquiries", CS_OBS_FLOW, 0, 17, "enquiries",
     "Section 47 enquiries started in the year"},
    {"icpc", CS_OBS_FLOW, 0, 17, "conferences",
     "Initial child protection conferences in the year"},
    {"cpp_31_march", CS_OBS_STOCK, 0, 17, "children",
     "Children subject of a child protection plan at 31 March"},
    {"cpp_starts", CS_OBS_FLOW, 0, 17, "plans",
     "Child protection plans started in the year"},
    {"cpp_repeat_pct", CS_OBS_PERCENT, -1, -1, "%",
     "Child protection plans started in the year that were a second or "
     "subsequent plan, % of plans started"},
    {"cla_31_march", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March"},
    {"cla_starts", CS_OBS_FLOW, 0, 17, "children",
     "Children who started to be looked after in the year"},
    {"cla_ceased", CS_OBS_FLOW, 0, 18, "children",
     "Children who ceased to be looked after in the year"},
    /* The by-age file's measures (the detail file gives England's). */
    {"cla_31_march_age_under_1", CS_OBS_STOCK, 0, 0, "children",
     "Children looked after at 31 March aged under 1"},
    {"cla_31_march_age_1_to_4", CS_OBS_STOCK, 1, 4, "children",
     "Children looked after at 31 March aged 1 to 4"},
    {"cla_31_march_age_5_to_9", CS_OBS_STOCK, 5, 9, "children",
     "Children looked after at 31 March aged 5 to 9"},
    {"cla_31_march_age_10_to_15", CS_OBS_STOCK, 10, 15, "children",
     "Children looked after at 31 March aged 10 to 15"},
    {"cla_31_march_age_16_and_over", CS_OBS_STOCK, 16, 17, "children",
     "Children looked after at 31 March aged 16 and over"},
    {"cla_31_march_uasc", CS_OBS_STOCK, 0, 17, "children",
     "Unaccompanied asylum-seeking children looked after at 31 March"},
    /* Only in the detail file. */
    {"cla_starts_age_under_1", CS_OBS_FLOW, 0, 0, "children",
     "Children who started to be looked after in the year, aged under 1"},
    {"cla_starts_age_1_to_4", CS_OBS_FLOW, 1, 4, "children",
     "Children who started to be looked after in the year, aged 1 to 4"},
    {"cla_starts_age_5_to_9", CS_OBS_FLOW, 5, 9, "children",
     "Children who started to be looked after in the year, aged 5 to 9"},
    {"cla_starts_age_10_to_15", CS_OBS_FLOW, 10, 15, "children",
     "Children who started to be looked after in the year, aged 10 to 15"},
    {"cla_starts_age_16_and_over", CS_OBS_FLOW, 16, 17, "children",
     "Children who started to be looked after in the year, aged 16 and over"},
    {"cla_ceased_adopted", CS_OBS_FLOW, 0, 18, "children",
     "Children who ceased to be looked after in the year: adopted"},
    {"cla_ceased_sgo", CS_OBS_FLOW, 0, 18, "children",
     "Children who ceased to be looked after in the year: special "
     "guardianship order"},
    {"cla_ceased_returned_home", CS_OBS_FLOW, 0, 18, "children",
     "Children who ceased to be looked after in the year: returned home to "
     "parents or relatives"},
    {"cla_ceased_child_arrangements", CS_OBS_FLOW, 0, 18, "children",
     "Children who ceased to be looked after in the year: residence order or "
     "child arrangements order"},
    {"cla_ceased_independent_living", CS_OBS_FLOW, 0, 18, "children",
     "Children who ceased to be looked after in the year: moved to "
     "independent living (supported or unsupported)"},
    {"cla_ceased_other", CS_OBS_FLOW, 0, 18, "children",
     "Children who ceased to be looked after in the year: other reasons"},
    {"cla_ceased_aged_16_plus", CS_OBS_FLOW, 16, 18, "children",
     "Children who ceased to be looked after in the year aged 16 or over"},
    {"cla_ceased_aged_18_plus", CS_OBS_FLOW, 18, 18, "children",
     "Children who ceased to be looked after in the year aged 18 (care "
     "ends at 18)"},
    /* Only in a council's SSDA903 return (ssda903.c): months since the
     * period of care began, at 31 March. */
    {"cla_31_march_in_care_0_to_5_months", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March whose period of care began 0 to 5 "
     "whole months before"},
    {"cla_31_march_in_care_6_to_11_months", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March whose period of care began 6 to 11 "
     "whole months before"},
    {"cla_31_march_in_care_12_to_23_months", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March whose period of care began 12 to 23 "
     "whole months before"},
    {"cla_31_march_in_care_24_months_and_over", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March whose period of care began 24 or more "
     "whole months before"},
    /* Only in a council's SSDA903 return, by the placement of a structure
     * with that id (its PLACE codes: the placement's ssda903 key, or
     * cs_ssda903_default_placement). */
    {"cla_31_march_placement_foster_inhouse", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March in the placement foster_inhouse "
     "(foster care by the council's own or another council's carers)"},
    {"cla_31_march_placement_foster_agency", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March in the placement foster_agency "
     "(foster care by a private or voluntary provider)"},
    {"cla_31_march_placement_kinship", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March in the placement kinship (foster "
     "care with a relative or friend)"},
    {"cla_31_march_placement_residential", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March in the placement residential "
     "(secure units, children's homes, semi-independent living)"},
    {"cla_31_march_placement_other", CS_OBS_STOCK, 0, 17, "children",
     "Children looked after at 31 March in the placement other (the "
     "placements not above)"},
    {"cla_placement_moves", CS_OBS_FLOW, 0, 17, "moves",
     "Placement moves in the year: new episodes of a period of care in "
     "another placement (PLACE or PLACE_PROVIDER) than the one before"},
    {"cin_starts", CS_OBS_FLOW, 0, 17, "episodes",
     "Children in need episodes starting in the year"},
    {"cin_ends", CS_OBS_FLOW, 0, 17, "episodes",
     "Children in need episodes ending in the year"},
    {"cpp_ends", CS_OBS_FLOW, 0, 17, "plans",
     "Child protection plans ended in the year (derived by the source as "
     "starts minus the change in the stock at 31 March: not independent of "
     "them)"},
    {"births_england_wales", CS_OBS_COUNT_OTHER, -1, -1, "births",
     "Live births in England and Wales in the calendar year (ONS): the year "
     "is the calendar year, not the year to 31 March"},
};

#define N_MEASURES ((int)(sizeof measures / sizeof measures[0]))

/*
 * The detail file's measure column, as published, for each canonical
 * measure it gives. One published name per canonical measure: see the file
 * comment. population_0_17 rows have years "mid-YYYY" (formats.c moves them
 * to the year to 31 March YYYY+1); the others have DfE years.
 */
static const struct detail_map {
    const char *published;
    const char *canonical;
} detail_map[] = {
    {"Children aged 0-17, England (ONS mid-year, as used by DfE 2025 "
     "dashboard; post-2021-Census revised series)",
     "population_0_17"},
    {"Referrals to CSC (current DfE series)", "referrals"},
    {"Re-referral rate within 12 months (current series)", "rereferral_pct"},
    {"Children in need at 31 March (current DfE series)", "cin_31_march"},
    {"CIN episodes starting in year", "cin_starts"},
    {"CIN episodes ending in year", "cin_ends"},
    {"Section 47 enquiries started in year", "s47_enquiries"},
    {"Initial child protection conferences in year", "icpc"},
    {"Children subject of CPP at 31 March (current series)", "cpp_31_march"},
    {"CPPs started in year (current series)", "cpp_starts"},
    {"% of CPPs started that were second or subsequent", "cpp_repeat_pct"},
    {"CPPs ended in year (approx. = starts - change in stock)", "cpp_ends"},
    {"CLA at 31 March (current DfE time series)", "cla_31_march"},
    {"Started to be looked after in year", "cla_starts"},
    {"Ceased to be looked after in year", "cla_ceased"},
    {"UASC looked after at 31 March", "cla_31_march_uasc"},
    {"CLA at 31 Mar aged Under 1", "cla_31_march_age_under_1"},
    {"CLA at 31 Mar aged 1-4", "cla_31_march_age_1_to_4"},
    {"CLA at 31 Mar aged 5-9", "cla_31_march_age_5_to_9"},
    {"CLA at 31 Mar aged 10-15", "cla_31_march_age_10_to_15"},
    {"CLA at 31 Mar aged 16+", "cla_31_march_age_16_and_over"},
    {"Started in year aged Under 1", "cla_starts_age_under_1"},
    {"Started in year aged 1-4", "cla_starts_age_1_to_4"},
    {"Started in year aged 5-9", "cla_starts_age_5_to_9"},
    {"Started in year aged 10-15", "cla_starts_age_10_to_15"},
    {"Started in year aged 16+", "cla_starts_age_16_and_over"},
    {"Adopted from care in year", "cla_ceased_adopted"},
    {"Ceased: Special guardianship order", "cla_ceased_sgo"},
    {"Ceased: Returned home to parents/relatives", "cla_ceased_returned_home"},
    {"Ceased: Residence order / child arrangements order",
     "cla_ceased_child_arrangements"},
    {"Ceased: Moved to independent living (supported + unsupported)",
     "cla_ceased_independent_living"},
    {"Ceased: Other reasons", "cla_ceased_other"},
    {"Ceased: Aged 16+ on ceasing", "cla_ceased_aged_16_plus"},
    {"Ceased: Aged 18+ on ceasing", "cla_ceased_aged_18_plus"},
    {"Live births, England AND Wales (calendar year)", "births_england_wales"},
};

int series_n_measures(void)
{
    return N_MEASURES;
}

int cs_series_n_measures(void)
{
    return N_MEASURES;
}

const cs_measure_info *cs_series_measure(int measure)
{
    if (measure < 0 || measure >= N_MEASURES)
        return NULL;
    return &measures[measure];
}

int cs_series_find_measure(const char *name)
{
    if (!name)
        return -1;
    for (int m = 0; m < N_MEASURES; m++)
        if (strcmp(measures[m].name, name) == 0)
            return m;
    return -1;
}

int series_detail_measure(const char *published_name)
{
    for (size_t i = 0; i < sizeof detail_map / sizeof detail_map[0]; i++)
        if (strcmp(detail_map[i].published, published_name) == 0) {
            int m = cs_series_find_measure(detail_map[i].canonical);
            assert(m >= 0);
            return m;
        }
    return -1;
}
