"""The OCS Grant 2023–27 report, entered as data: the demo case and the tests' oracle.

Annual costs are exact pounds chosen so that every figure of the published report's
tables, shown in £m to 3 decimal places, is reproduced by the reconciliation.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from grants.models import (
    BudgetYear,
    CostLine,
    FundedUnit,
    Funder,
    GrantCase,
    GrantOffer,
    GrantScheme,
    Post,
    Recommendation,
)

SEED_TITLE = "Home Office Grant Organised Crime Specific Grant Agreement 2023 - 2027"

DI, DS, DC = Decimal("102400"), Decimal("84200"), Decimal("66230")
BAND_C, BAND_D, BAND_E = Decimal("70800"), Decimal("52600"), Decimal("47000")

RART = "RART (Frontline Officers)"
PRISON = "Regional Prison Intelligence (Met Ops Officers)"

# (unit, grant allocation, posts as (group, grade, annual cost, grant FTE, match FTE), cost lines)
UNITS = [
    (
        "ACE",
        "220000",
        [
            ("", "Detective Constable", DC, 2, 0),
            ("", "Detective Sergeant", DS, 1, 0),
        ],
        [("Support Costs", "30600")],
    ),
    (
        "ROCU",
        "1000000",
        [
            (RART, "Detective Inspector", DI, 1, 1),
            (RART, "Detective Sergeant", DS, 1, 1),
            (RART, "Detective Constable", DC, 3, 3),
            (RART, "Band C", BAND_C, 5, 5),
            (RART, "Band D", BAND_D, 1, 1),
            (RART, "Band E", BAND_E, 1, 1),
            (PRISON, "Detective Superintendent", Decimal("131000"), 1, 0),
            # The report's match-funded column holds "1" and "4" here: FTE, not money.
            (PRISON, "Detective Sergeant", DS, 1, 1),
            (PRISON, "Detective Constable", DC, 3, 4),
            (PRISON, "Band D", BAND_D, 3, 0),
        ],
        [
            ("Support Costs", "210000"),
            ("Overtime", "8000"),
            ("Transport", "10000"),
            ("Supplies and Services", "24000"),
        ],
    ),
    (
        "ROCTA",
        "231000",
        [
            ("", "Detective Inspector", DI, 1, 0),
            ("", "Police Constable", Decimal("72400"), 1, 0),
            ("", "Band E", BAND_E, 1, 0),
            ("", "Band D", BAND_D, 1, 0),
            ("", "Band D (CoLP)", BAND_D, 1, 0),
            ("", "Band C (CoLP)", BAND_C, 1, 0),
        ],
        [],
    ),
    (
        "Drugs Strategy",
        "150000",
        [
            ("", "Band E", BAND_E, 2, 0),
            # Band D is 52,600 everywhere else in the report.
            ("", "Band D", Decimal("57000"), 1, 0),
        ],
        [],
    ),
    ("Digital Forensics", "100000", [("", "Band B", Decimal("101000"), 1, 0)], []),
]

EXECUTIVE_SUMMARY = """\
Organised Crime Specific Grant (OCS Grant) has been accepted by MOPAC annually for several years. In September 2023 the Home Office wrote to MOPAC confirming the offer of an OCS Grant of up to £1.201m for 2023/2024. In addition, East Midlands Special Operations Unit (EMSOU) confirmed an offer of a further £0.500m Core ROCU grant for 2023/24 which is to be recovered from the PCC Bedfordshire separately. This total grant provision of £1.701m supports the following functions.

- £1.000m ROCU 'Core Grant' for London Regional Organised Crime Unit ROCU (inc. Regional Asset Recovery Team - RART)
- £0.231m Regional Organised Crime Threat Assessment (ROCTA)
- £0.220m ACE Teams (Asset Confiscation Enforcement Team)
- £0.150m SOC Drugs Strategy
- £0.100m Digital Forensic Support – SOC Drugs

Subject to approval, this arrangement will be formalised between the parties with a Grant Agreement covering the period 01/04/2023 to 31/03/2024."""

TIME_SENSITIVITY = """\
A decision is required from the Deputy Mayor by March 2024. This is because the funded teams operate as 'active' units and with established operational teams. The teams have already incurred costs for staff and resources based on previously agreed funding. As such, reimbursement of costs is now required, incurred as planned and agreed between the MPS and the Home Office in this financial year (2023/4)."""

INTRODUCTION = """\
1. The London Regional Organised Crime Unit (ROCU) provides a cohesive and coordinated operational response to Serious and Organised Crime from the MPS, City of London Police (CoLP) and British Transport Police (BTP). The three police forces work closely on a range of issues and follow an operating model reflected across nine other ROCUs across England and Wales. It provides;
    - a. complete view by threat of demand, risk and resource in London.
    - b. A consistent approach to the management of risk and tasking capabilities.
2. The primary purpose of the Regional Asset Recovery Team (RART) and Asset Confiscation Enforcement Team (ACET) is to provide specialist support as part of the London ROCU for the restraint, confiscation, enforcement and realisation of the proceeds of crime which have been identified as criminal assets. They also identify, adopt and implement best practice for financial investigation and asset recovery across the national ROCU network.
3. Denying serious and organised criminals their proceeds of crime ensures they do not benefit from offending and provides an opportunity for victims to receive compensation. Under the provisions of the Home Office Asset Realisation Incentivisation Scheme (ARIS) a proportion of the value of assets recovered are also returned to police forces for re-investment in financial recovery and enforcement activity.
4. The primary purpose of other units within the London ROCU are to provide a cohesive intelligence function in support of other capabilities. This includes, not exclusively, liaison and information sharing between law enforcement, probation, and prison services.

**Drugs Strategy**

5. The MPS is increasing its 'Drugs Strategy' capabilities and this will be led by a 'Drugs Lead Responsible Officer' (LRO - Superintendent) within the Serious and Organised Crime Command. They will be responsible for providing a cohesive and coordinated response on behalf of the MPS to combat drugs by working with partners. The MPS Strategic Drugs Delivery Team will achieve the ambitions and recommendations set out in the 10 year Government Plan 'From Harm to Hope' through delivery against the 4P structure: Prevent, Protect, Prepare and Pursue. To support this work, an analyst has been recruited (3/1/23) to complete the London Drugs Assessment, contributing to the SOC Assessment Strategy and further work linking drugs to violence.

**Digital Forensics**

6. The purchase of a mobile kit against the digital forensics monies. The kit allows access to mobile phones 'in the field' and allows investigators to make quick time assessments around data that is contained within the device, thus, enabling fast time dynamic operational decisions. Being mobile it gives the "user" more flexibility around the deployment of the kit and as such it reduces the burden on other forces when used in County Lines work outside London, in addition it can be deployed to enhance fixed site examinations in London at times of surge.

**SOC Transformation Fund**

7. MPS Cyber team and the MPS Online Child Sexual Abuse and Exploitation team have purchased two licenses' for an online platform. This platform enables investigators to piece together multiple data sources to reveal the identities of specific adversaries engaging in online fraud, cybercrime, online child abuse and other illegal activities. A limited month long trial demonstrated the potential value of this platform as a number of online identifiers involved in current cyber investigations were resolved to real world identities. The outcome of having access to this software will, therefore, be a hugely increased pool of data from which to further existing investigations, and commence new ones, with a clear focus on UK impact - knowing from the start the geographical location of victims and offenders, something notoriously difficult within cybercrime.
8. The MO2 (Met Intelligence) Automatic Number Plate (ANPR) Unit provides the MPS with specialist ANPR support in all areas of reactive and proactive policing - from the local frontline, through to serious organised crime (SOC) and Counter Terrorism (CT). The MO2 ANPR Unit has a national responsibility for CT ANPR services. A large proportion of the unit's work is supporting MPS and teams targeting Organised Crime Groups (OCGs) engaged in SOC - such as cross border burglary, large scale commodity and Proceeds of Crime Act (POCA) trafficking offences, county lines, firearm trafficking and human trafficking. The funding has been used to provide an advanced driving course, laptops for fast-time tracking, and advanced mapping software to improve capability and security.
9. The MPS Technical Support Unit provides technical solutions to support covert operational activity. The funding was utilized to commission National Protective Security Authority (NPSA) to provide training materials to the MO3 Covert Policing teams to enhance awareness of the threat that 'Vehicle Telematics' poses to officer safety and operational security. The increasingly complex communication environment around vehicles is at risk of compromise of the sensitive operational data through the communication channels of connected vehicles. This includes USB, Bluetooth and onboard GPS connections but extends to Cellular, Wi-Fi and Dedicated Short Range Communications (DSRC). This funding will support the understanding of the breadth of communications coming from connected vehicles and the content and security implications of those communications."""

ISSUES = """\
10. National capabilities were developed from an initial pilot that was aligned to development in Organised Crime Group Mapping (OCGM) during 2003/2004. Overseen by a dedicated NPCC (National Police Chief's Council) lead for Economic Crime the London RART provide a consistent and reliable approach to targeting Serious and Organised Crime with a particular focus on denial of criminal assets. The London RART forms an integral part of the wider ROCU network that was extended nationally in 2010.
11. National ACET capabilities were developed following recommendations by the National Audit Office who in 2013 identified there was no coherent strategy for the enforcement of confiscation orders. The ACE Teams were introduced as a national response to having specialised multi-agency teams prioritising confiscation orders for enforcement.
12. The London RART and ACET make consistent contributions to core capabilities including training, continued professional development and leadership. The ACET deliver bespoke training via the MPS Training school for delivery on CID courses, directly to BCU and specialist operational units on managing proceeds of crime interventions. For the last three years the London RART have coordinated 'ad hoc', niche training sessions and Continued Professional Development days for investigators across the MPS, CoLP and partner agencies including CPS, HMRC and the MHRA.
13. The national ROCTA network was formed in response to *HMIC's PEEL: Police effectiveness 2016 (national overview)* which found the mapping of organised crime groups to be unacceptably inconsistent, giving an incomplete and inaccurate picture of the SOC threat. Given the severity and nature of organised crime, a more coherent and consistent approach is critical so HMIC recommended OCGM be transferred to Regional units.
14. Drugs Strategy - Due to the additional support the new analytical role provides, plus the internal investment of a Superintendent Drugs Strategy Lead (LRO), further funding continuing to the end of financial year 23/24 would be of exceptional benefit.

**SOC Transformation Fund**

15. A detailed analysis of the platform's technical architecture has taken place in relation to the online platform licences for SOC. This was to ensure that online identifiers were not retained on the company's servers, alleviating data protection concerns arising from the company being incorporated in the USA.
16. In relation to the TSU covert technical support, this application was sponsored by Chief Constable Chis Haward (NPCC Capability Lead for Surveillance and Technical Surveillance) for the learning to be shared across the Covert Policing Community and demonstrate a full dividend from the funding."""

CONTRIBUTION = """\
**Contributes to the Commissioner's 'A New Met for London 2023-2025'**

17. The key themes within the Commissioner's 'A New Met for London' plan is reducing crime whilst increasing public trust and confidence in the MPS. The activities of ROCU and SOC departments are specifically aimed at targeting serious and organised crime, including gun crime and violence with injury offences associated with OCG's and county lines. ROCU and SOC provide a key supporting role to frontline policing by dismantling complex criminal networks which strengthens policing within the community

**Contributes to the MOPAC Police & Crime Plan 2022-25**

18. The MOPAC Police and Crime Plan has key themes of reducing and preventing violence affecting young people, protecting those at risk of exploitation and increasing trust and confidence in the MPS. The activities of the ROCU and SOC departments are specifically aimed at tackling serious and organised crime, including the removal of the financial incentives from crime by using powers under the Proceeds of Crime Act 2002. This includes seizing the profits from high-end economic crime such as fraud, money laundering and drugs trafficking (Page 51).
19. The London ROCTA is developing the London SOC threat picture and, in doing so, enabling better informed and more effective policing responses to groups and individuals that are causing the greatest amount of harm. With continued development, the ROCTA will provide greater collective capacity across threats and across capabilities through improved focus and coordination of regional assets. The uplift in staffing numbers to the ROCTA unit will ensure better capability and mitigation of prioritised threats in London.

**Drugs Strategy**

20. The MPS Strategic Drugs Delivery Team is enhancing the MPS response to tackling the drugs threat in London, in doing so, enabling more effective policing responses to groups and individuals that are causing the greatest amount of harm. With continued development, the Strategic Drugs Delivery Team will provide greater strategic and intelligence capacity across threats. With the uplift in staffing numbers and specialist skills, the Strategic Drugs Delivery Team is in a better position to deliver on priorities and recommendations.

**SOC Transformation**

21. The online platform licenses' will allow for a more effective targeting of suspects engaged in cybercrime, fraud and online child sex offences through software that provides the 'physical' identities of those engaged in these crime types.
22. The ANPR Unit's mapping software licenses and associated computer hardware will increase the unit's capabilities for the fast-time tracking of offenders.
23. MO3 - Covert Policing is instrumental in supporting MPS Serious Crime and Frontline Policing across all of its' functions and is a key enabler in the detection, investigation and prosecution of SOC OCN's.

[A New Met For London](https://www.met.police.uk/police-forces/metropolitan-police/areas/about-us/about-the-met/a-new-met-for-london/)

[MOPAC Police and Crime Plan 2022-25](https://www.london.gov.uk/programmes-strategies/mayors-office-policing-and-crime/police-and-crime-plan-2022-25)"""

FINANCIAL = """\
24. Every effort has been made, and will continue to be made, to maximise the grant. Any purchases funded by the grant will be in accordance with existing MOPAC approved MPS policies through compliant procurement rules.
25. London ROCU - Under the Grant Agreement specialist teams are funded. There are at least an equitable number of officers and staff across the MPS engaged in this area of business; representing 'match funding' from the mainstream MOPAC budget.
26. ROCTA costs are set out in the breakdown below.
27. In terms of return on investment the RART and ACET have consistently generated more than the full costs of maintaining the teams. Funds are distributed via HM Courts and Tribunal Services (HMCTS) which includes payments to victims of crime where compensation orders have been made by the courts.
28. Non-staff costs have been minimised with the physical co-location of staff within existing MPS office space. The provision of other activities such as recruitment, vetting and training staff are included within existing MPS budgetary provisions.
29. Subject to MOPAC approval, arrangements to accept this Grant will be formalised with a Grant Agreement supplied by the HO. Content will be reviewed by the MPS Grants Manager to ensure its' consistency with accepted standard HO Terms prior to completion.
30. The policing activity and resourcing funded by this Grant Agreement contributes to delivering the London Anchor Institutions' Charter through the impact it delivers on serious and organised crime and reducing the exploitation of young people involved in this crime. Through impacting in this way, this will support our communities and the re-distribution of criminal assets re-channelled through positive, legalised means ensures an economic re-balance and opportunity.
31. As is sometimes the case with Grants from the HO, abstractions/vacancies may result in final claims being less than the full grant offered. Every effort will be made to maximise the use of the grant."""

REVENUE_NOTE = """\
The total OCS grant awarded in 2023/24 is £1.701m, which is match funded from MPS budgets by £2.047m. Hence the total cost of the areas funded by OCS grant is £3.748m.

The grant agreement is for one year only as the Home Office only agree these grant allocations on an annual basis."""

LEGAL = """\
These legal comments apply equally to all the recommendations which can lawfully be approved.

1. This grant will be paid to MOPAC by the Home Office in the exercise of power conferred upon the Secretary of State pursuant to Section 169 of the Criminal Justice and Public Order Act 1994 and Section 48 of the Police Act 1996 to make awards of Grant funding.
2. MOPAC may accept the offer of the Grant pursuant to Schedule 3 Paragraph 7 of the Police Reform and Social Responsibility Act 2011 ("2011 Act") where MOPAC may do anything which is calculated to facilitate, or is conducive or incidental to, the exercise of the functions of the Office which includes entering into contracts and other agreements (whether legally binding or not).
3. Paragraph 4.8 of the MOPAC Scheme of Consent and Delegation provides the DMPC (Deputy Mayor for Policing and Crime) with delegated powers to accept any offer of grant funding.
4. MOPAC has an obligation to publish the Grant Agreement pursuant to Schedule 1 Paragraph 3(g) of the Elected Local Policing Bodies (Specified Information) Order 2011, as amended."""

EQUALITY = """\
5. The London ROCTA, RART and ACET, along with the relevant SOC departments, provide an established and existing service with staff selected in accordance with current Met HR requirements. Access to office space and working practices do not change any aspect of the existing obligations concerning Diversity, Equality and Inclusion. Furthermore there is pride in ensuring compliance with Section 149 Equality Act 2010 around obligations under the Public Sector Equality Duty.
6. This business case has undergone an initial equality screening. Due regard has been taken to the Equality Act's Public Sector Equality Duty. Real consideration has been taken to assess equality impact caused by the proposed business changes. As a result no positive or negative impact has been identified to any individual and/or group safeguarded by a protected characteristic and those who are not."""

PRIVACY = """\
7. The London ROCU (and ROCTA, RART & ACET), along with the SOC departments relevant to these funding streams, are already subject to the requirements and conditions placed upon it, as the MPS is a 'State Body' to comply with statutory requirements of the European Convention of Human Rights and Data Protection Act 2018. Both pieces of legislation place an obligation on the MPS to ensure personal data is processed fairly and lawfully in order to safeguard the rights and freedoms of individuals.
8. Under Article 35 of the General Data Protection Regulation (GDPR) and Section 57 of the DPA 2018, Data Protection Impact Assessments (DPIA) become mandatory for organisations with technologies and processes that are likely to result in a high risk to the rights of the data subjects.
9. Criteria published by the Information Assurance and Information Rights Unit within MPS has been reviewed and is considered that the London ROCU & SOC departments meet compliance requirements. The screening questions have been completed and a further DPIA is not considered necessary. All asset enforcement activity takes place after individuals have been convicted of offences and thus personal information is either in the public domain or subject of DPA compliance during the course of a criminal investigation. Data processing pre-conviction is undertaken in line with existing processes regulated by ECHR and DPA; as reflected by existing Privacy Notices published by the MPS Information Rights Unit."""

REAL_ESTATE = """\
10. There are no Real Estate implications to consider. The London ROCTA, RART and ACET & SOC departments are already accommodated within the existing estate on Westminster and Lambeth Boroughs with full engagement with the MPS Property Services Department."""

ENVIRONMENTAL = "11. There are no additional environment implications to consider."

BACKGROUND = "12. There are no supporting or background papers to accompany this report."


@transaction.atomic
def create_seed_case(owner) -> GrantCase:
    """Enter the OCS Grant report as a draft case owned by `owner`."""
    home_office, _ = Funder.objects.get_or_create(name="Home Office", defaults={"short_name": "HO"})
    emsou, _ = Funder.objects.get_or_create(
        name="East Midlands Special Operations Unit", defaults={"short_name": "EMSOU"}
    )
    scheme, _ = GrantScheme.objects.get_or_create(
        name="Organised Crime Specific Grant", defaults={"short_name": "OCS Grant"}
    )
    case = GrantCase.objects.create(
        title=SEED_TITLE,
        scheme=scheme,
        financial_year=2023,
        owner=owner,
        report_by="Detective Superintendent Nathan Munson on behalf of the Chief of "
        "Corporate Services",
        report_author="Nathan Munson, Detective Superintendent Serious & Organised Crime HQ, "
        "Metropolitan Police Service.",
        executive_summary=EXECUTIVE_SUMMARY,
        needed_by=datetime.date(2024, 3, 31),
        time_sensitivity=TIME_SENSITIVITY,
        introduction=INTRODUCTION,
        issues_for_consideration=ISSUES,
        contribution_to_plans=CONTRIBUTION,
        financial_comments=FINANCIAL,
        revenue_impact_note=REVENUE_NOTE,
        legal_comments=LEGAL,
        equality_comments=EQUALITY,
        privacy_comments=PRIVACY,
        real_estate_implications=REAL_ESTATE,
        environmental_implications=ENVIRONMENTAL,
        background_papers=BACKGROUND,
    )
    Recommendation.objects.create(
        case=case,
        position=1,
        text="Approve the acceptance of OCS Grant totalling £1.701m in 2023/24.",
    )
    Recommendation.objects.create(
        case=case,
        position=2,
        text="Approve the acceptance of future OCS Grant offers of up to £2.000m annually until 2027.",
        is_standing_authority=True,
        annual_cap=Decimal("2000000"),
        ends_on=datetime.date(2027, 3, 31),
    )
    GrantOffer.objects.create(
        case=case,
        funder=home_office,
        scheme=scheme,
        amount=Decimal("1201000"),
        financial_year=2023,
        period_start=datetime.date(2023, 4, 1),
        period_end=datetime.date(2024, 3, 31),
        offer_date=datetime.date(2023, 9, 1),
        conditions="Standard Home Office grant terms.",
        position=1,
    )
    GrantOffer.objects.create(
        case=case,
        funder=emsou,
        amount=Decimal("500000"),
        financial_year=2023,
        period_start=datetime.date(2023, 4, 1),
        period_end=datetime.date(2024, 3, 31),
        conditions="Core ROCU grant, recovered from the PCC Bedfordshire separately.",
        position=2,
    )
    for unit_position, (name, allocation, posts, cost_lines) in enumerate(UNITS, start=1):
        unit = FundedUnit.objects.create(
            case=case, name=name, grant_allocation=Decimal(allocation), position=unit_position
        )
        Post.objects.bulk_create(
            Post(
                unit=unit,
                group=group,
                grade=grade,
                annual_cost=annual_cost,
                grant_fte=Decimal(grant_fte),
                match_fte=Decimal(match_fte),
                position=position,
            )
            for position, (group, grade, annual_cost, grant_fte, match_fte) in enumerate(
                posts, start=1
            )
        )
        CostLine.objects.bulk_create(
            CostLine(unit=unit, description=description, amount=Decimal(amount), position=position)
            for position, (description, amount) in enumerate(cost_lines, start=1)
        )
    BudgetYear.objects.bulk_create(
        BudgetYear(case=case, financial_year=year) for year in range(2023, 2028)
    )
    return case
