"""Demo vendors for `manage.py seed_demo`: 55 Chungnam social-economy enterprises.

Every city and county and every enterprise type is present, in the states the review goes
through: mostly approved, a small review queue, one application sent back for changes,
one rejected, one suspended, one whose certification has lapsed and one whose ends soon
(it has sent its renewed certificate, which waits for the operator: until confirmed, agencies
and bundles keep getting the confirmed one).
Status histories are written as event rows directly (this is history, not a transition
being taken now), in steps that `vendors.services.ALLOWED_TRANSITIONS` allows. Documents are
generated images and PDFs passed through `upload_clean`, so they are stored exactly as
real uploads are.

The operator's review shows in the read log (vendors.DocumentRead): every document of an
application was opened by the operator when the review started.

Vendors are keyed on their 사업자등록번호: a second run creates nothing, leaves existing
vendors as they are and only re-makes files that have gone missing from storage.
"""
import io
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from PIL import Image, ImageDraw, ImageFilter
from pypdf import PdfWriter

from accounts.models import User
from ddasum.pdf import FONT_BOLD
from ddasum.storage import private_storage
from ddasum.uploads import upload_clean
from ddasum.validators import business_number_check_digit
from vendors.models import (
    CERTIFIED_TYPES,
    ENTERPRISE_PROOF_LABELS,
    REQUIRED_DOCUMENTS,
    CertificationRenewal,
    DocumentKind,
    DocumentRead,
    DocumentReadChannel,
    EnterpriseType,
    MembershipRole,
    ReaderRole,
    Region,
    RenewalStatus,
    SocialFactKind,
    Vendor,
    VendorDocument,
    VendorMembership,
    VendorSocialFact,
    VendorStatus,
    VendorStatusEvent,
)
from vendors.services import vendor_certification_renewal_request

from .accounts import OPERATOR_EMAIL, DemoUser, demo_users_ensure
from .drawing import has_korean_font, korean_font

T, R, S = EnterpriseType, Region, VendorStatus

# The owner of VENDORS[0] (Plan.owner_email of the first plan): the demo's vendor account.
VENDOR1_EMAIL = "vendor1@ddasum.kr"


@dataclass(frozen=True)
class DemoVendor:
    name: str
    region: str
    enterprise_type: str
    business_type: str  # 업태
    business_item: str  # 종목
    representative: str
    street: str  # 읍면동 and road, without the building number
    mission: str
    status: str = S.APPROVED
    # A review that once asked for changes before approving: (document kind, the reason).
    changes_before: tuple[str, str] | None = None
    reason: str = ""  # for CHANGES_REQUESTED, REJECTED, SUSPENDED
    reinstated: str = ""  # suspended once and reinstated: the suspension's reason
    cert: str = ""  # "expired" or "ending" for the two certification cases
    draft_documents: int = 0  # how many required documents a draft has uploaded so far


# In Region order; the first is approved (vendor1@ddasum.kr owns it and works for the second).
VENDORS: tuple[DemoVendor, ...] = (
    # 천안시
    DemoVendor(
        "광덕호두마을", R.CHEONAN, T.VILLAGE, "농업", "호두·견과류", "김영수", "동남구 광덕면 광덕로",
        "광덕산 자락 스무 가구가 호두를 함께 기르고 손으로 까서 팝니다. "
        "수익의 일부로 마을 어르신 점심 나눔을 이어 갑니다.",
    ),
    DemoVendor(
        "천안나눔푸드", R.CHEONAN, T.SOCIAL, "음식점업", "도시락·단체급식", "이정희", "서북구 쌍용대로",
        "경력이 끊긴 여성과 중장년 열두 명이 매일 아침 도시락을 만듭니다. "
        "지역 농산물로 차린 밥상으로 일자리와 건강을 함께 만듭니다.",
    ),
    DemoVendor(
        "늘봄돌봄사회적협동조합", R.CHEONAN, T.SOCIAL_COOPERATIVE, "서비스업", "노인돌봄·가사지원", "박미경",
        "동남구 병천면 아우내길",
        "요양보호사들이 직접 조합원이 되어 만든 돌봄 협동조합입니다. 좋은 일자리가 좋은 돌봄을 만든다고 믿습니다.",
    ),
    DemoVendor(
        "천안리컴자활", R.CHEONAN, T.SELF_SUFFICIENCY, "도소매업", "컴퓨터주변기기·재생토너", "최동훈",
        "서북구 성환읍 성환중앙로",
        "버려지는 토너 카트리지를 재생하고 중고 컴퓨터를 고쳐 다시 씁니다. "
        "자활 참여자 일곱 명이 기술을 익혀 정규 직원이 되었습니다.",
    ),
    # 공주시
    DemoVendor(
        "공주알밤협동조합", R.GONGJU, T.COOPERATIVE, "농업", "밤", "윤석진", "정안면 정안로",
        "정안 밤 농가 마흔두 곳이 모여 선별과 저온 저장을 함께 합니다. 농가가 직접 값을 정하는 공정한 거래를 지킵니다.",
    ),
    DemoVendor(
        "유구직물공방", R.GONGJU, T.SOCIAL, "제조업", "섬유·생활용품", "한지수", "유구읍 유구중앙로",
        "직물의 고장 유구의 직조 기술을 잇습니다. 남은 원단으로 장바구니를 만들어 포장 쓰레기를 줄입니다.",
        changes_before=(DocumentKind.ENTERPRISE_PROOF, "기업 유형 증빙 서류의 유효기간이 지났습니다. 최신 인증서를 올려 주세요."),
    ),
    DemoVendor(
        "공주백제문화체험사회적협동조합", R.GONGJU, T.SOCIAL_COOPERATIVE, "교육서비스업", "역사문화체험", "조은비",
        "금성동 백제큰길",
        "공산성과 송산리 고분군을 아이들과 걸으며 백제 이야기를 들려줍니다. 지역 청년 해설사 여덟 명이 함께합니다.",
    ),
    DemoVendor(
        "사곡실버두부마을", R.GONGJU, T.VILLAGE, "제조업", "두부·콩가공", "강순자", "사곡면 마곡사로",
        "마곡사 아랫마을 어르신들이 국산 콩으로 두부를 만듭니다. 일흔이 넘은 어르신들의 일터이자 사랑방입니다.",
        status=S.SUBMITTED,
    ),
    # 보령시
    DemoVendor(
        "보령머드뷰티", R.BORYEONG, T.PRE_SOCIAL, "제조업", "화장품·비누", "임하나", "신흑동 머드로",
        "보령 갯벌의 머드로 천연 비누를 만듭니다. 장애인 직원 다섯 명이 생산을 맡고 있습니다.",
    ),
    DemoVendor(
        "웅천돌공예마을", R.BORYEONG, T.VILLAGE, "제조업", "석공예품", "오태식", "웅천읍 웅천로",
        "대를 이어 돌을 다듬어 온 장인들이 마을 청년들에게 기술을 가르칩니다. 벼루와 생활 석공예품을 만듭니다.",
    ),
    DemoVendor(
        "청라은행마을", R.BORYEONG, T.VILLAGE, "농업", "은행·표고버섯", "신동길", "청라면 청라로",
        "가을이면 노랗게 물드는 은행나무 마을입니다. 은행과 표고버섯을 거두어 팔고 농촌 체험을 엽니다.",
    ),
    DemoVendor(
        "대천항수산자활", R.BORYEONG, T.SELF_SUFFICIENCY, "도소매업", "수산물·건어물", "황보민", "신흑동 대천항로",
        "대천항에 들어온 생선을 손질해 말리고 포장합니다. 자활 참여자들이 함께 일하며 창업을 준비합니다.",
        status=S.UNDER_REVIEW,
    ),
    # 아산시
    DemoVendor(
        "외암마을체험협동조합", R.ASAN, T.COOPERATIVE, "교육서비스업", "전통문화체험", "이기순", "송악면 외암민속길",
        "오백 년 된 돌담 마을에서 떡메치기, 짚풀 공예, 한옥 숙박을 운영합니다. 마을 주민이 조합원이자 강사입니다.",
    ),
    DemoVendor(
        "아산청년커피사회적협동조합", R.ASAN, T.SOCIAL_COOPERATIVE, "제조업", "커피원두", "문지훈", "배방읍 배방로",
        "발달장애 청년 바리스타와 로스터가 함께 원두를 볶습니다. 공정무역 생두만 씁니다.",
        status=S.CHANGES_REQUESTED,
        reason="통장 사본이 흐려서 계좌번호를 읽을 수 없습니다. 다시 올려 주세요.",
    ),
    DemoVendor(
        "아산행복돌봄자활", R.ASAN, T.SELF_SUFFICIENCY, "서비스업", "가사·산후돌봄", "서경숙", "온천동 온천대로",
        "산후 돌봄과 가사 지원을 하는 자활기업입니다. 참여자 스무 명이 돌봄 자격증을 따고 일하고 있습니다.",
    ),
    # 서산시
    DemoVendor(
        "서산육쪽마늘협동조합", R.SEOSAN, T.COOPERATIVE, "농업", "마늘", "장한철", "음암면 서산로",
        "서산 황토에서 자란 육쪽마늘을 조합원이 함께 선별하고 깐마늘로 가공합니다. 제값 받는 농사를 목표로 합니다.",
    ),
    DemoVendor(
        "간월도어리굴젓마을", R.SEOSAN, T.VILLAGE, "제조업", "젓갈", "유옥자", "부석면 간월도1길",
        "간월도 어민들이 갯바위에서 딴 굴로 전통 방식의 어리굴젓을 담급니다. 마을 부녀회가 운영합니다.",
    ),
    DemoVendor(
        "해미읍성한과", R.SEOSAN, T.SOCIAL, "제조업", "한과·떡", "전미숙", "해미면 남문2로",
        "해미읍성 앞에서 조청과 찹쌀로 전통 한과를 만듭니다. 취약계층 여성 아홉 명을 고용하고 있습니다.",
    ),
    DemoVendor(
        "서산바른먹거리자활", R.SEOSAN, T.SELF_SUFFICIENCY, "제조업", "반찬", "권순옥", "동문동 번화로",
        "지역 농산물로 반찬을 만들어 홀몸 어르신 가정에 배달합니다. 자활 참여자가 조리사 자격을 얻어 일합니다.",
    ),
    # 논산시
    DemoVendor(
        "논산딸기자활센터", R.NONSAN, T.SELF_SUFFICIENCY, "농업", "딸기", "김태호", "광석면 광석로",
        "논산 딸기 하우스 여섯 동을 자활 참여자들이 함께 가꿉니다. 못난이 딸기는 잼과 청으로 만들어 버리는 것이 없습니다.",
    ),
    DemoVendor(
        "강경젓갈협동조합", R.NONSAN, T.COOPERATIVE, "제조업", "젓갈", "송재근", "강경읍 옥녀봉로",
        "젓갈 시장으로 이름난 강경의 작은 상회 열한 곳이 모였습니다. 국산 천일염으로 오래 숙성한 젓갈을 팝니다.",
        changes_before=(DocumentKind.SEAL, "사용인감 이미지 배경이 어두워 견적서에 찍기 어렵습니다. 흰 바탕에 찍어 다시 올려 주세요."),
    ),
    DemoVendor(
        "양촌곶감마을", R.NONSAN, T.VILLAGE, "농업", "곶감", "백순례", "양촌면 매죽헌로",
        "대둔산 바람에 말린 양촌 곶감입니다. 마을 공동 건조장에서 유황 처리 없이 자연 건조합니다.",
    ),
    DemoVendor(
        "논산희망도시락", R.NONSAN, T.SOCIAL, "음식점업", "도시락·단체급식", "남궁현", "취암동 시민로",
        "장애인과 고령자 열다섯 명이 조리와 배달을 맡습니다. 관공서와 학교 단체 도시락을 주로 만듭니다.",
        reinstated="위생 점검 결과를 확인할 때까지 판매를 정지합니다.",
    ),
    # 계룡시
    DemoVendor(
        "두마콩마을", R.GYERYONG, T.VILLAGE, "제조업", "청국장·된장", "정복순", "두마면 계룡대로",
        "마을에서 기른 콩으로 청국장과 된장을 만듭니다. 수익은 마을 공동 급식과 장학금으로 돌아갑니다.",
    ),
    DemoVendor(
        "계룡하늘꿈사회적협동조합", R.GYERYONG, T.SOCIAL_COOPERATIVE, "교육서비스업", "방과후교실·진로체험", "하윤정",
        "엄사면 엄사중앙로",
        "맞벌이 가정 아이들의 방과후 교실을 엽니다. 학부모와 교사가 함께 만든 조합입니다.",
    ),
    DemoVendor(
        "계룡클린자활", R.GYERYONG, T.SELF_SUFFICIENCY, "서비스업", "청소·방역", "노승현", "금암동 장안로",
        "공공기관과 아파트 청소·방역을 하는 자활기업입니다. 친환경 세제만 씁니다.",
        status=S.DRAFT,
        draft_documents=3,
    ),
    # 당진시
    DemoVendor(
        "당진해나루쌀협동조합", R.DANGJIN, T.COOPERATIVE, "농업", "쌀", "인병철", "합덕읍 합덕대로",
        "합덕 들녘 조합원 예순 농가가 우렁이 농법으로 쌀을 기릅니다. 도정한 지 일주일 안의 쌀만 보냅니다.",
    ),
    DemoVendor(
        "면천진달래떡마을", R.DANGJIN, T.VILLAGE, "제조업", "떡", "손금희", "면천면 면천로",
        "봄이면 진달래가 만발하는 면천 마을의 떡 방앗간입니다. 마을 어르신 열 분이 떡을 빚습니다.",
    ),
    DemoVendor(
        "당진로컬푸드사회적협동조합", R.DANGJIN, T.SOCIAL_COOPERATIVE, "도소매업", "농산물꾸러미", "염동원",
        "송악읍 틀모시로",
        "당진 소농 백여 곳의 제철 채소를 꾸러미로 엮어 보냅니다. 농가 수익 배분 기준을 조합원이 함께 정합니다.",
        status=S.SUSPENDED,
        reason="꾸러미 배송 지연 민원이 한 달 사이 여러 번 접수되었습니다. 배송 개선 계획을 받을 때까지 판매를 정지합니다.",
    ),
    # 금산군
    DemoVendor(
        "금산인삼마을", R.GEUMSAN, T.VILLAGE, "제조업", "홍삼가공", "양승우", "금산읍 인삼광장로",
        "오랜 인삼 재배의 전통을 잇는 마을입니다. 4년근 이상의 수삼만 골라 홍삼 절편과 진액을 만듭니다.",
    ),
    DemoVendor(
        "추부깻잎협동조합", R.GEUMSAN, T.COOPERATIVE, "농업", "깻잎", "구자영", "추부면 추부광장로",
        "깻잎 주산지 추부의 재배 농가 협동조합입니다. 산지에서 딴 깻잎을 그날 바로 보냅니다.",
    ),
    DemoVendor(
        "금산약초나라", R.GEUMSAN, T.SOCIAL, "도소매업", "건강식품·약초", "봉기택", "남이면 금산로",
        "금산 약초시장 상인과 약초 농가가 함께 세운 사회적기업입니다. 수익의 일부로 농촌 어르신 건강 교실을 엽니다.",
        cert="expired",
    ),
    DemoVendor(
        "남이자연휴양체험학교", R.GEUMSAN, T.PRE_SOCIAL, "교육서비스업", "숲체험·생태교육", "탁은영",
        "남이면 남이자연휴양림로",
        "문 닫은 분교를 고쳐 숲 체험 학교로 만들었습니다. 도시 아이들과 농촌 아이들이 함께 숲에서 배웁니다.",
        status=S.UNDER_REVIEW,
    ),
    # 부여군
    DemoVendor(
        "세도방울토마토협동조합", R.BUYEO, T.COOPERATIVE, "농업", "방울토마토", "도상철", "세도면 세도로",
        "금강변 세도 들녘에서 방울토마토를 기르는 스물다섯 농가의 협동조합입니다. 공동 선별장에서 당도를 재어 출하합니다.",
    ),
    DemoVendor(
        "부여연잎밥", R.BUYEO, T.SOCIAL, "제조업", "연잎밥·떡", "석미란", "부여읍 사비로",
        "궁남지 연꽃단지의 연잎으로 연잎밥을 짓습니다. 결혼이민 여성 여섯 명이 함께 일합니다.",
    ),
    DemoVendor(
        "자온길공방협동조합", R.BUYEO, T.COOPERATIVE, "제조업", "도자기·생활공예", "변하늘", "규암면 자온로",
        "빈집이 늘던 규암 옛 거리에 공예가들이 공방을 열었습니다. 도자기와 목공 소품을 만들고 원데이 클래스를 엽니다.",
        status=S.UNDER_REVIEW,
    ),
    # 서천군
    DemoVendor(
        "서천한산모시협동조합", R.SEOCHEON, T.COOPERATIVE, "제조업", "모시·섬유", "나정애", "한산면 충절로",
        "한산모시를 짜 온 어르신들과 젊은 디자이너가 함께합니다. 모시 손수건과 생활용품으로 전통 기술을 잇습니다.",
    ),
    DemoVendor(
        "홍원항김마을", R.SEOCHEON, T.VILLAGE, "제조업", "조미김", "마동수", "서면 홍원길",
        "서천 앞바다에서 기른 김을 마을 공동 가공장에서 굽습니다. 어촌계 주민 모두가 주주입니다.",
    ),
    DemoVendor(
        "서천해돋이돌봄사회적협동조합", R.SEOCHEON, T.SOCIAL_COOPERATIVE, "서비스업", "노인돌봄", "곽영미",
        "서천읍 군청로",
        "농촌 홀몸 어르신 댁을 찾아가 식사와 말벗, 병원 동행을 돕습니다. 돌봄 노동자가 조합의 주인입니다.",
    ),
    DemoVendor(
        "서천갯벌생태학교", R.SEOCHEON, T.PRE_SOCIAL, "교육서비스업", "생태체험·체험학습", "엄태준", "장항읍 장항로",
        "세계자연유산으로 지정된 서천 갯벌에서 생태 수업을 엽니다. 지역 어민이 갯벌 해설사로 활동합니다.",
        cert="ending",
    ),
    # 청양군
    DemoVendor(
        "청양구기자마을", R.CHEONGYANG, T.VILLAGE, "농업", "구기자", "천만석", "운곡면 청신로",
        "구기자 산지 청양의 마을 농가가 함께 말리고 덖어 구기자차를 만듭니다.",
    ),
    DemoVendor(
        "칠갑산고추협동조합", R.CHEONGYANG, T.COOPERATIVE, "제조업", "고춧가루", "방경호", "청양읍 칠갑산로",
        "청양고추 재배 농가가 모여 고춧가루를 직접 빻아 팝니다. 원산지를 속이지 않는 것이 조합의 첫째 약속입니다.",
    ),
    DemoVendor(
        "청양농촌돌봄사회적협동조합", R.CHEONGYANG, T.SOCIAL_COOPERATIVE, "서비스업", "돌봄·장애인활동지원", "길수정",
        "정산면 정산로",
        "대중교통이 닿지 않는 마을의 어르신과 장애인을 찾아가 돌봅니다.",
        status=S.REJECTED,
        reason="제출하신 사회적협동조합 설립인가증의 법인명과 사업자등록증의 상호가 달라 같은 기업임을 확인할 수 없습니다. "
        "서류를 맞추어 새로 신청해 주세요.",
    ),
    # 홍성군
    DemoVendor(
        "홍성유기농영농조합", R.HONGSEONG, T.COOPERATIVE, "농업", "쌀·잡곡", "주형민", "홍동면 홍동로",
        "오리농법을 오래 이어 온 홍동 유기농 마을의 조합입니다. 유기농 쌀과 잡곡을 생산자 이름을 걸고 보냅니다.",
    ),
    DemoVendor(
        "광천토굴새우젓마을", R.HONGSEONG, T.VILLAGE, "제조업", "젓갈", "반재옥", "광천읍 독배로",
        "광천 독배마을 토굴에서 새우젓을 숙성합니다. 일 년 내내 서늘한 토굴이 맛을 만듭니다.",
    ),
    DemoVendor(
        "홍성축산나눔", R.HONGSEONG, T.SOCIAL, "도소매업", "축산물(한우·한돈)", "기성훈", "홍성읍 충서로",
        "홍성 한우와 한돈을 소규모 농가에서 직접 받아 손질합니다. 장애인 직원이 포장과 배송을 맡습니다.",
        changes_before=(DocumentKind.BANK_BOOK, "통장 사본의 예금주가 대표자 개인 명의입니다. 법인 명의 계좌로 바꿔 주세요."),
    ),
    DemoVendor(
        "홍성행복한밥상자활", R.HONGSEONG, T.SELF_SUFFICIENCY, "음식점업", "반찬·도시락", "변경희", "홍북읍 홍예공원로",
        "내포신도시 맞벌이 가정과 홀몸 어르신에게 반찬을 만들어 보냅니다.",
    ),
    # 예산군
    DemoVendor(
        "예산사과마을", R.YESAN, T.VILLAGE, "농업", "사과", "여운기", "신암면 예산로",
        "예산 황토에서 자란 사과를 마을 공동 선별장에서 골라 보냅니다. 흠과는 즙과 칩으로 만듭니다.",
    ),
    DemoVendor(
        "예산황새마을", R.YESAN, T.PRE_SOCIAL, "교육서비스업", "생태체험·체험학습", "진소영", "광시면 시목대리길",
        "황새가 돌아온 마을에서 논 생물 관찰과 친환경 농사 체험을 엽니다. 황새 서식지를 지키는 친환경 쌀도 팝니다.",
        status=S.SUBMITTED,
    ),
    DemoVendor(
        "예산전통장류협동조합", R.YESAN, T.COOPERATIVE, "제조업", "장류", "모경자", "덕산면 덕산온천로",
        "마을 어머니들이 국산 콩으로 메주를 쑤고 항아리에서 된장과 간장을 익힙니다.",
    ),
    DemoVendor(
        "예산그린컴자활", R.YESAN, T.SELF_SUFFICIENCY, "도소매업", "컴퓨터주변기기", "표창수", "예산읍 아리랑로",
        "공공기관에서 나온 중고 컴퓨터와 주변기기를 정비해 다시 보급합니다. 자활 참여자들이 정보통신 자격을 따고 일합니다.",
    ),
    # 태안군
    DemoVendor(
        "태안갯벌마을기업", R.TAEAN, T.VILLAGE, "교육서비스업", "갯벌체험·체험학습", "피영식", "원북면 원이로",
        "태안 갯벌에서 조개 캐기와 독살 체험을 엽니다. 체험 수익으로 갯벌 쓰레기를 치웁니다.",
    ),
    DemoVendor(
        "태안감태협동조합", R.TAEAN, T.COOPERATIVE, "제조업", "해조류가공(감태)", "어윤희", "소원면 만리포1길",
        "겨울 갯벌에서 손으로 매는 태안 감태를 조합원이 함께 말리고 굽습니다.",
    ),
    DemoVendor(
        "안면도수산", R.TAEAN, T.SOCIAL, "도소매업", "수산물", "선우진", "안면읍 안면대로",
        "안면도 어민에게서 꽃게와 대하를 받아 바로 손질해 보냅니다. 어민에게 공정한 값을 주는 것이 우리의 약속입니다.",
    ),
    DemoVendor(
        "태안해변돌봄사회적협동조합", R.TAEAN, T.SOCIAL_COOPERATIVE, "서비스업", "장애인활동지원", "제갈은주",
        "태안읍 중앙로",
        "장애인 활동 지원사와 이용자 가족이 함께 만든 조합입니다. 이동이 어려운 바닷가 마을까지 찾아갑니다.",
        status=S.DRAFT,
    ),
)

# Roughly the postal-code block of each city and county (Chungnam is 31000–33699).
POSTAL_RANGES = {
    R.CHEONAN: (31000, 31260), R.GONGJU: (32500, 32630), R.BORYEONG: (33400, 33530),
    R.ASAN: (31400, 31590), R.SEOSAN: (31900, 32030), R.NONSAN: (32900, 33010),
    R.GYERYONG: (32800, 32840), R.DANGJIN: (31700, 31850), R.GEUMSAN: (32700, 32760),
    R.BUYEO: (33100, 33190), R.SEOCHEON: (33600, 33680), R.CHEONGYANG: (33300, 33340),
    R.HONGSEONG: (32200, 32290), R.YESAN: (32400, 32460), R.TAEAN: (32100, 32170),
}

# (bank, account number pattern: digit groups), weighted towards the banks rural Chungnam uses.
BANKS = (
    ("농협은행", (3, 4, 4, 2)), ("농협은행", (3, 4, 4, 2)), ("농협은행", (3, 4, 4, 2)),
    ("하나은행", (3, 6, 5)), ("국민은행", (6, 2, 6)), ("신한은행", (3, 3, 6)),
    ("우리은행", (4, 3, 6)), ("기업은행", (3, 6, 2, 3)), ("새마을금고", (4, 4, 4, 1)),
)

ISSUERS = {
    T.SOCIAL: "고용노동부장관",
    T.PRE_SOCIAL: "충청남도지사",
    T.VILLAGE: "행정안전부장관",
    T.COOPERATIVE: "충청남도지사",
    T.SOCIAL_COOPERATIVE: "기획재정부장관",
}
PROOF_TEXTS = {
    T.SOCIAL: "위 기업을 「사회적기업 육성법」에 따른 사회적기업으로 인증합니다.",
    T.PRE_SOCIAL: "위 기업을 예비사회적기업으로 지정합니다.",
    T.VILLAGE: "위 기업을 마을기업으로 지정합니다.",
    T.COOPERATIVE: "위 협동조합의 설립신고를 수리하였음을 증명합니다.",
    T.SOCIAL_COOPERATIVE: "위 사회적협동조합의 설립을 인가합니다.",
    T.SELF_SUFFICIENCY: "위 기업을 자활기업으로 인정합니다.",
}

TWO_SYLLABLE_SURNAMES = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문")
# Warm colours for the logos (따숨 is "warm").
LOGO_COLOURS = (
    (232, 89, 12), (214, 51, 108), (47, 133, 90), (25, 113, 194), (156, 54, 181), (230, 119, 0),
    (12, 133, 153), (201, 42, 42), (102, 168, 15), (95, 61, 196), (173, 105, 40), (8, 127, 91),
)
SEAL_RED = (200, 30, 40)
CERT_TERM = timedelta(days=3 * 365)


# --- the plan: every number drawn before anything is written ------------------------------


@dataclass
class Plan:
    spec: DemoVendor
    index: int
    business_number: str
    postal_code: str
    address: str
    address_detail: str
    phone: str
    bank_name: str
    bank_account_number: str
    cert_number: str
    cert_valid_until: date | None
    opened_on: date
    colour: tuple
    # (to_status, at, reason, by_operator) in order; the first is the draft.
    history: list
    # (kind, uploaded_at, variant) in upload order; variant "old" is the one later replaced.
    documents: list

    @property
    def owner_email(self) -> str:
        return f"vendor{self.index + 1}@ddasum.kr"

    @property
    def corporate(self) -> bool:
        return self.business_number[4:6] in ("81", "82", "86")


def business_number(rng: random.Random, middle: str) -> str:
    """A 사업자등록번호 with a right check digit; `middle` is the 2-digit kind (81 법인, 82 비영리 …)."""
    digits = [3, rng.randint(0, 1), rng.randint(0, 9), int(middle[0]), int(middle[1])]
    digits += [rng.randint(0, 9) for _ in range(4)]
    digits.append(business_number_check_digit("".join(map(str, digits))))
    s = "".join(map(str, digits))
    return f"{s[:3]}-{s[3:5]}-{s[5:]}"


def _middle(rng: random.Random, enterprise_type: str) -> str:
    """Social cooperatives are non-profit corporations (82); a self-sufficiency enterprise may be
    a sole proprietorship (01–79); every other type must be a corporation (81, 86)."""
    if enterprise_type == T.SOCIAL_COOPERATIVE:
        return "82"
    if enterprise_type == T.SELF_SUFFICIENCY:
        return rng.choice(("81", f"{rng.randint(10, 79)}"))
    return rng.choice(("81", "86"))


def _account(rng: random.Random, groups) -> str:
    return "-".join("".join(str(rng.randint(0, 9)) for _ in range(n)) for n in groups)


def _at(rng: random.Random, day: date) -> datetime:
    """A moment in office hours on `day`, Korean time."""
    naive = datetime(day.year, day.month, day.day, rng.randint(9, 17), rng.randint(0, 59), rng.randint(0, 59))
    return timezone.make_aware(naive)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.uniform(0.1, 0.9)


def _history(rng: random.Random, spec: DemoVendor, today: date) -> list:
    """The status steps of one vendor, each allowed by vendors.services.ALLOWED_TRANSITIONS.

    Every step falls on a day before today, so nothing happens "in the future".
    """
    def later(day: date, lo: int, hi: int) -> date:
        return day + timedelta(days=rng.randint(lo, hi))

    if spec.status in (S.SUBMITTED, S.UNDER_REVIEW, S.DRAFT):
        submitted = today - timedelta(days=rng.randint(2, 6))
    elif spec.status == S.CHANGES_REQUESTED:
        submitted = today - timedelta(days=rng.randint(8, 12))
    elif spec.status == S.REJECTED:
        submitted = today - timedelta(days=rng.randint(20, 60))
    elif spec.reinstated:
        submitted = today - timedelta(days=rng.randint(150, 900))
    else:
        # At most 20 days pass from submission to approval below.
        submitted = today - timedelta(days=rng.randint(40, 1100))
    drafted = submitted - timedelta(days=rng.randint(1, 14))
    steps = [(S.DRAFT, drafted, "", False)]
    if spec.status != S.DRAFT:
        steps.append((S.SUBMITTED, submitted, "", False))
    if spec.status not in (S.DRAFT, S.SUBMITTED):
        reviewed = later(submitted, 0, 1 if spec.status == S.UNDER_REVIEW else 3)
        steps.append((S.UNDER_REVIEW, reviewed, "", True))
        if spec.status in (S.CHANGES_REQUESTED, S.REJECTED):
            steps.append((spec.status, later(reviewed, 1, 2), spec.reason, True))
    if spec.status in (S.APPROVED, S.SUSPENDED):
        if spec.changes_before:
            asked = later(reviewed, 1, 2)
            steps.append((S.CHANGES_REQUESTED, asked, spec.changes_before[1], True))
            resubmitted = later(asked, 2, 7)
            steps.append((S.SUBMITTED, resubmitted, "", False))
            reviewed = later(resubmitted, 0, 2)
            steps.append((S.UNDER_REVIEW, reviewed, "", True))
        approved = later(reviewed, 1, 6)
        steps.append((S.APPROVED, approved, "", True))
        if spec.reinstated:
            suspended = later(approved, 30, 45)
            steps.append((S.SUSPENDED, suspended, spec.reinstated, True))
            steps.append((S.APPROVED, later(suspended, 5, 12), "위생 점검 결과를 확인했습니다. 판매를 다시 엽니다.", True))
        if spec.status == S.SUSPENDED:
            steps.append((S.SUSPENDED, today - timedelta(days=rng.randint(3, 10)), spec.reason, True))
    timed, previous = [], None
    for status, day, reason, by_operator in steps:
        at = _at(rng, day)
        if previous and at <= previous:  # two steps on one day: keep their order
            at = previous + timedelta(minutes=rng.randint(20, 180))
        timed.append((status, at, reason, by_operator))
        previous = at
    return timed


def _documents(rng: random.Random, spec: DemoVendor, history: list) -> list:
    """(kind, uploaded_at, variant) of each upload, each before the submission it belongs to."""
    drafted = history[0][1]
    kinds = REQUIRED_DOCUMENTS[spec.enterprise_type]
    if spec.status == S.DRAFT:
        kinds, deadline = kinds[: spec.draft_documents], drafted + timedelta(days=2)
    else:
        deadline = history[1][1]
    documents = []
    for kind in kinds:
        variant = "blurry" if spec.status == S.CHANGES_REQUESTED and kind == DocumentKind.BANK_BOOK else ""
        if spec.changes_before and spec.changes_before[0] == kind:
            variant = "old"
        documents.append((kind, _between(rng, drafted, deadline), variant))
    if spec.changes_before:
        asked = next(i for i, step in enumerate(history) if step[0] == S.CHANGES_REQUESTED)
        documents.append((spec.changes_before[0], _between(rng, history[asked][1], history[asked + 1][1]), ""))
    return documents


def _certification(rng: random.Random, spec: DemoVendor, drafted: date, today: date) -> tuple[str, date | None]:
    """(number, valid until) of a certified type: obtained before applying, renewed every 3 years."""
    if spec.enterprise_type not in CERTIFIED_TYPES:
        return "", None
    term = CERT_TERM
    if spec.cert == "expired":
        valid_until = today - timedelta(days=12)
    elif spec.cert == "ending":
        valid_until = today + timedelta(days=20)
    else:
        valid_until = drafted - timedelta(days=rng.randint(30, 400)) + term
        while valid_until < today + timedelta(days=60):
            valid_until += term
    return f"{(valid_until - term).year}-{rng.randint(101, 480)}", valid_until


def plan_vendors(rng: random.Random, today: date) -> list[Plan]:
    """Draw every number of every vendor, in a fixed order, so the data is reproducible."""
    plans, used = [], set()
    for index, spec in enumerate(VENDORS):
        while True:
            number = business_number(rng, _middle(rng, spec.enterprise_type))
            if number not in used:
                used.add(number)
                break
        lo, hi = POSTAL_RANGES[spec.region]
        region = Region(spec.region).label
        area = "042" if spec.region == R.GYERYONG else "041"
        bank, groups = rng.choice(BANKS)
        history = _history(rng, spec, today)
        cert_number, valid_until = _certification(rng, spec, history[0][1].date(), today)
        plans.append(
            Plan(
                spec=spec,
                index=index,
                business_number=number,
                postal_code=f"{rng.randint(lo, hi):05d}",
                address=f"충청남도 {region} {spec.street} {rng.randint(3, 320)}",
                address_detail=rng.choice(("", "", "1층", "2층", "가공동", "사무동 1층", "마을회관 옆")),
                phone=f"{area}-{rng.randint(330, 990)}-{rng.randint(0, 9999):04d}",
                bank_name=bank,
                bank_account_number=_account(rng, groups),
                cert_number=cert_number,
                cert_valid_until=valid_until,
                opened_on=history[0][1].date() - timedelta(days=rng.randint(200, 2500)),
                colour=LOGO_COLOURS[rng.randrange(len(LOGO_COLOURS))],
                history=history,
                documents=_documents(rng, spec, history),
            )
        )
    return plans


# --- drawing -------------------------------------------------------------------------------


def _latin_initial(plan: Plan) -> str:
    return plan.spec.region[0].upper()


def surname(name: str) -> str:
    return name[:2] if name[:2] in TWO_SYLLABLE_SURNAMES else name[:1]


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def logo_png(plan: Plan) -> bytes:
    """A 256×256 rounded square in the vendor's colour with its first syllable in white."""
    scale = 2  # draw large and shrink, for smooth edges
    size = 256 * scale
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((8, 8, size - 8, size - 8), radius=64 * scale, fill=plan.colour)
    font = korean_font(150 * scale, bold=True)
    text = plan.spec.name[0] if has_korean_font() else _latin_initial(plan)
    draw.text((size / 2, size / 2), text, font=font, fill="white", anchor="mm")
    return _png(img.resize((256, 256), Image.LANCZOS))


def seal_png(plan: Plan) -> bytes:
    """The company seal: a red ring with the representative's surname, on transparency."""
    text = surname(plan.spec.representative) if has_korean_font() else _latin_initial(plan)
    # A stamp is never perfectly even.
    return _seal_png(text, plan.index % 7 - 3)


@cache
def _seal_png(text: str, angle: int) -> bytes:
    size = 400
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((14, 14, size - 14, size - 14), outline=SEAL_RED, width=22)
    draw.ellipse((52, 52, size - 52, size - 52), outline=SEAL_RED, width=5)
    font = korean_font(150 if len(text) == 1 else 110, bold=True)
    draw.text((size / 2, size / 2), text, font=font, fill=SEAL_RED, anchor="mm")
    return _png(img.rotate(angle, resample=Image.BICUBIC))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


# A4 at 120 dpi: sharp enough to read, about 80 KB a page.
PAGE_W, PAGE_H = 992, 1403


class _Page:
    def __init__(self):
        self.img = Image.new("RGB", (PAGE_W, PAGE_H), "white")
        self.draw = ImageDraw.Draw(self.img)
        self.y = 110

    def title(self, text: str, sub: str = ""):
        self.draw.text((PAGE_W / 2, self.y), text, font=korean_font(48, bold=True), fill="black", anchor="mt")
        self.y += 78
        if sub:
            self.draw.text((PAGE_W / 2, self.y), sub, font=korean_font(24), fill="#333", anchor="mt")
            self.y += 46
        self.y += 30

    def field(self, label: str, value: str, label_w: int = 230):
        left, right = 100, PAGE_W - 100
        lines = _wrap(self.draw, value, korean_font(24), right - left - label_w - 20) or [""]
        height = 26 + 36 * len(lines)
        self.draw.rectangle((left, self.y, right, self.y + height), outline="#555", width=2)
        self.draw.rectangle((left, self.y, left + label_w, self.y + height), fill="#f1f3f5", outline="#555", width=2)
        self.draw.text((left + 18, self.y + 14), label, font=korean_font(24, bold=True), fill="black")
        for i, line in enumerate(lines):
            self.draw.text((left + label_w + 20, self.y + 14 + 36 * i), line, font=korean_font(24), fill="black")
        self.y += height

    def paragraph(self, text: str, size: int = 26, gap: int = 40):
        self.y += gap
        for line in _wrap(self.draw, text, korean_font(size), PAGE_W - 240):
            self.draw.text((PAGE_W / 2, self.y), line, font=korean_font(size), fill="black", anchor="mt")
            self.y += size + 16

    def signature(self, when: date, signer: str, seal: Image.Image | None = None):
        self.y = max(self.y + 50, PAGE_H - 420)
        self.draw.text((PAGE_W / 2, self.y), f"{when.year}년 {when.month}월 {when.day}일", font=korean_font(28), fill="black", anchor="mt")
        self.y += 90
        font = korean_font(34, bold=True)
        self.draw.text((PAGE_W / 2, self.y), signer, font=font, fill="black", anchor="mt")
        if seal is not None:  # stamped over the closing "(인)"
            end = PAGE_W / 2 + self.draw.textlength(signer, font=font) / 2
            centre = end - self.draw.textlength("(인)", font=font) / 2
            stamp = seal.resize((110, 110), Image.LANCZOS)
            self.img.paste(stamp, (int(centre) - 55, self.y - 38), stamp)

    def pdf(self) -> bytes:
        # Mark every page as a sample, so no one mistakes it for a real certificate.
        self.img.paste((200, 40, 40), (0, 0, PAGE_W, PAGE_H), _watermark())
        self.draw.text(
            (PAGE_W / 2, PAGE_H - 60), "따숨몰 데모 데이터 · 실제 서류가 아닙니다", font=korean_font(20), fill="#868e96", anchor="mt"
        )
        out = io.BytesIO()
        self.img.save(out, "PDF", resolution=120)
        return out.getvalue()


@cache
def _watermark() -> Image.Image:
    mark = Image.new("L", (PAGE_W, PAGE_H), 0)
    ImageDraw.Draw(mark).text((PAGE_W / 2, PAGE_H / 2), "견본  SAMPLE", font=korean_font(130, bold=True), fill=38, anchor="mm")
    return mark.rotate(35, resample=Image.BICUBIC)


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def application_form_pdf(plan: Plan, uploaded: date) -> bytes:
    spec = plan.spec
    page = _Page()
    page.title("따숨몰 입점 신청서")
    page.field("상호", spec.name)
    page.field("사업자등록번호", plan.business_number)
    page.field("대표자", spec.representative)
    page.field("기업 유형", str(EnterpriseType(spec.enterprise_type).label))
    page.field("소재지", f"({plan.postal_code}) {plan.address} {plan.address_detail}".strip())
    page.field("전화번호", plan.phone)
    page.field("이메일", plan.owner_email)
    page.field("업태 / 종목", f"{spec.business_type} / {spec.business_item}")
    page.field("정산 계좌", f"{plan.bank_name} {plan.bank_account_number} (예금주 {spec.name})")
    page.field("사회적 가치", spec.mission)
    page.paragraph("위와 같이 충남 사회적경제 공동판매장 따숨몰 입점을 신청합니다.")
    seal = Image.open(io.BytesIO(seal_png(plan)))
    page.signature(uploaded, f"{spec.name}  대표  {spec.representative}  (인)", seal)
    return page.pdf()


def business_registration_pdf(plan: Plan) -> bytes:
    spec = plan.spec
    page = _Page()
    page.title("사 업 자 등 록 증", "(법인사업자)" if plan.corporate else "(일반과세자)")
    page.field("등록번호", plan.business_number)
    page.field("법인명(단체명)" if plan.corporate else "상호", spec.name)
    page.field("대표자", spec.representative)
    page.field("개업연월일", f"{plan.opened_on.year}년 {plan.opened_on.month:02d}월 {plan.opened_on.day:02d}일")
    page.field("사업장 소재지", f"{plan.address} {plan.address_detail}".strip())
    page.field("사업의 종류", f"업태 {spec.business_type}    종목 {spec.business_item}")
    page.field("발급 사유", "신규")
    page.signature(plan.opened_on + timedelta(days=3), "○○세무서장")
    return page.pdf()


def enterprise_proof_pdf(plan: Plan, previous: bool = False) -> bytes:
    """The proof of the enterprise type; `previous` gives the certificate of the term before."""
    spec = plan.spec
    region = str(Region(spec.region).label)
    issuer = ISSUERS.get(spec.enterprise_type) or (region + ("시장" if region.endswith("시") else "군수"))
    number = plan.cert_number or f"{plan.opened_on.year}-{plan.index * 7 + 11}"
    issued, until = plan.opened_on + timedelta(days=120), plan.cert_valid_until
    if until:
        if previous:  # the term before, which had ended a few weeks before the application
            until = plan.history[0][1].date() - timedelta(days=20)
        issued = until - CERT_TERM + timedelta(days=1)
        number = f"{issued.year}-{number.split('-')[1]}"
    page = _Page()
    page.title(str(ENTERPRISE_PROOF_LABELS[spec.enterprise_type]), f"제 {number} 호")
    page.field("기업명", spec.name)
    page.field("대표자", spec.representative)
    page.field("소재지", plan.address)
    page.field("사업 내용", f"{spec.business_type} · {spec.business_item}")
    if until:
        page.field("유효기간", f"{issued:%Y. %m. %d.} ~ {until:%Y. %m. %d.}")
    page.paragraph(PROOF_TEXTS[spec.enterprise_type], size=30, gap=80)
    page.signature(issued, issuer)
    return page.pdf()


def bank_book_jpeg(plan: Plan, opened: date, blurry: bool = False, personal: bool = False) -> bytes:
    """A photo-like copy of the first page of a bank book (`personal`: the representative's own)."""
    w, h = 1000, 640
    img = Image.new("RGB", (w, h), (247, 244, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, 110), fill=(38, 110, 70) if plan.bank_name == "농협은행" else (30, 80, 150))
    if has_korean_font():
        draw.text((40, 55), plan.bank_name, font=korean_font(46, bold=True), fill="white", anchor="lm")
        draw.text((w - 40, 55), "보통예금 통장", font=korean_font(30), fill="white", anchor="rm")
    holder = plan.spec.representative if personal else plan.spec.name
    rows = (
        ("계좌번호", plan.bank_account_number[::-1] if personal else plan.bank_account_number),
        ("예금주", holder),
        ("신규일", f"{opened.year}.{opened.month:02d}.{opened.day:02d}"),
        ("개설점", f"{region_short(plan.spec.region)}지점"),
    )
    for i, (label, value) in enumerate(rows):
        y = 170 + i * 95
        if has_korean_font():
            draw.text((60, y), label, font=korean_font(30), fill="#555")
            draw.text((300, y), value, font=korean_font(40, bold=True), fill="black")
        draw.line((60, y + 70, w - 60, y + 70), fill="#ccc", width=2)
    if has_korean_font():
        draw.text((w / 2, h - 30), "견본 · 따숨몰 데모 데이터", font=korean_font(22), fill=(200, 40, 40), anchor="mm")
    img = img.rotate(1.2 if plan.index % 2 else -1.5, resample=Image.BICUBIC, expand=True, fillcolor=(70, 70, 70))
    if blurry:
        img = img.filter(ImageFilter.GaussianBlur(7))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def document_file(plan: Plan, kind: str, uploaded: datetime, variant: str = "") -> tuple[str, bytes]:
    """(original file name, bytes) of one generated document."""
    spec = plan.spec
    if kind == DocumentKind.SEAL:
        data = seal_png(plan)
        if variant == "old":  # stamped on a dark desk: why the operator asked again
            seal = Image.open(io.BytesIO(data))
            dark = Image.new("RGBA", seal.size, (60, 55, 50, 255))
            dark.alpha_composite(seal)
            data = _png(dark.convert("RGB"))
        return "사용인감.png", data
    if kind == DocumentKind.BANK_BOOK:
        return "통장사본.jpg", bank_book_jpeg(
            plan, plan.opened_on + timedelta(days=30), blurry=variant == "blurry", personal=variant == "old"
        )
    if not has_korean_font():
        return f"{kind}.pdf", _blank_pdf()
    if kind == DocumentKind.APPLICATION_FORM:
        return f"입점신청서_{spec.name}.pdf", application_form_pdf(plan, timezone.localdate(uploaded))
    if kind == DocumentKind.BUSINESS_REGISTRATION:
        return "사업자등록증.pdf", business_registration_pdf(plan)
    label = str(ENTERPRISE_PROOF_LABELS[spec.enterprise_type]).replace(" ", "")
    return f"{label}.pdf", enterprise_proof_pdf(plan, previous=variant == "old")


def _clean(name: str, data: bytes):
    upload = ContentFile(data, name=name)
    return upload_clean(upload)


# --- writing -------------------------------------------------------------------------------


class _Written:
    """Files stored by this run, deleted again if the transaction rolls back."""

    def __init__(self):
        self.files = []

    def add(self, storage, name):
        self.files.append((storage, name))

    def delete_all(self):
        for storage, name in self.files:
            try:
                storage.delete(name)
            except OSError:
                pass


def _save_document(document: VendorDocument, plan: Plan, written: _Written, variant: str = ""):
    original, data = document_file(plan, document.kind, document.uploaded_at, variant)
    clean = _clean(original, data)
    document.original_name = clean.original_name
    document.content_type = clean.content_type
    document.size = clean.size
    document.sha256 = clean.sha256
    document.file.save(clean.content.name, clean.content, save=False)
    written.add(private_storage, document.file.name)
    document.save()


def _save_logo(vendor: Vendor, plan: Plan, written: _Written):
    clean = _clean(f"{plan.spec.name}.png", logo_png(plan))
    vendor.logo.save(clean.content.name, clean.content, save=False)
    written.add(default_storage, vendor.logo.name)
    Vendor.objects.filter(pk=vendor.pk).update(logo=vendor.logo.name)


def mail_order_number(plan: Plan) -> str:
    """The vendor's 통신판매업 신고번호, as the 군청 issues it: 2019-충남홍성-0123."""
    place = str(Region(plan.spec.region).label).removesuffix("시").removesuffix("군")
    return f"{plan.opened_on.year}-충남{place}-{plan.index * 13 + 101:04d}"


def _create(plan: Plan, owner: User, operator: User | None, written: _Written) -> Vendor:
    spec, history = plan.spec, plan.history
    submitted = [at for status, at, *_ in history if status == S.SUBMITTED]
    approved = [at for status, at, *_ in history if status == S.APPROVED]
    no_bank = spec.status == S.DRAFT and not plan.documents
    vendor = Vendor(
        name=spec.name,
        business_number=plan.business_number,
        representative=spec.representative,
        enterprise_type=spec.enterprise_type,
        cert_number=plan.cert_number,
        cert_valid_until=plan.cert_valid_until,
        cert_expired=spec.cert == "expired",
        mail_order_number=mail_order_number(plan),
        region=spec.region,
        postal_code=plan.postal_code,
        address=plan.address,
        address_detail=plan.address_detail,
        phone=plan.phone,
        email=plan.owner_email,
        business_type=spec.business_type,
        business_item=spec.business_item,
        mission=spec.mission,
        bank_name="" if no_bank else plan.bank_name,
        bank_account_number="" if no_bank else plan.bank_account_number,
        bank_account_holder="" if no_bank else spec.name,
        status=spec.status,
        status_changed_at=history[-1][1],
        submitted_at=submitted[-1] if submitted else None,
        approved_at=approved[0] if approved else None,
        created_by=owner,
    )
    vendor.full_clean()  # the demo data must pass the rules real applications do
    vendor.save()
    # auto_now_add / auto_now would say "today"; the history says otherwise.
    Vendor.objects.filter(pk=vendor.pk).update(created_at=history[0][1], updated_at=history[-1][1])
    previous = ""
    events = []
    for status, at, reason, by_operator in history:
        events.append(
            VendorStatusEvent(
                vendor=vendor, actor=operator if by_operator else owner, from_status=previous, to_status=status,
                reason=reason, created_at=at, notified_at=at,
            )
        )
        previous = status
    VendorStatusEvent.objects.bulk_create(events)
    membership = VendorMembership.objects.create(user=owner, vendor=vendor, role=MembershipRole.OWNER)
    VendorMembership.objects.filter(pk=membership.pk).update(created_at=history[0][1])
    for kind, uploaded_at, variant in plan.documents:
        _save_document(VendorDocument(vendor=vendor, kind=kind, uploaded_by=owner, uploaded_at=uploaded_at), plan, written, variant)
    _save_logo(vendor, plan, written)
    if operator is not None:
        _review_reads(vendor, plan, operator)
    return vendor


def _review_reads(vendor: Vendor, plan: Plan, operator: User) -> None:
    """The operator opened each document of the application when each review started (the read log's history)."""
    reviews = [at for status, at, *_ in plan.history if status == S.UNDER_REVIEW]
    rows = []
    for document in vendor.documents.all():
        started = next((at for at in reviews if at > document.uploaded_at), None)
        if started is None:
            continue
        rows.append(DocumentRead(
            vendor=vendor, document=document, kind=document.kind, document_name=document.original_name,
            document_sha256=document.sha256, reader=operator, reader_name=operator.name, reader_email=operator.email,
            role=ReaderRole.OPERATOR, context=str(ReaderRole.OPERATOR.label), channel=DocumentReadChannel.PAGE,
            read_at=started + timedelta(minutes=5 + 3 * len(rows)),
        ))
    DocumentRead.objects.bulk_create(rows)


def _renewal_pending(plans: list[Plan], vendors: list[Vendor], owners) -> int:
    """The vendor whose certification ends soon sent its renewed certificate; the operator has not confirmed it."""
    for plan, vendor in zip(plans, vendors, strict=True):
        if plan.spec.cert != "ending" or vendor.renewals.exists():
            continue
        term_end = (plan.cert_valid_until or timezone.localdate()) + CERT_TERM
        label = str(ENTERPRISE_PROOF_LABELS[plan.spec.enterprise_type]).replace(" ", "")
        _name, data = document_file(plan, DocumentKind.ENTERPRISE_PROOF, timezone.now())
        vendor_certification_renewal_request(
            vendor_id=vendor.pk, user=owners[plan.owner_email], cert_number=f"{term_end.year - 3}-{plan.index + 500}",
            valid_until=term_end, upload=ContentFile(data, name=f"{label}_갱신.pdf"))
        return 1
    return 0


def _repair(vendor: Vendor, plan: Plan, owner: User, written: _Written) -> int:
    """Re-make what a wiped media folder lost; touch nothing else. Returns files made."""
    made = 0
    VendorMembership.objects.get_or_create(user=owner, vendor=vendor, defaults={"role": MembershipRole.OWNER})
    if not (vendor.logo and default_storage.exists(vendor.logo.name)):
        _save_logo(vendor, plan, written)
        made += 1
    for document in vendor.documents.all():
        if not private_storage.exists(document.file.name):
            variant = next((v for k, at, v in plan.documents if k == document.kind and at == document.uploaded_at), "")
            _save_document(document, plan, written, variant)
            made += 1
    return made


def seed(*, stdout, rng: random.Random) -> None:
    """Vendors, their owners, histories, documents and logos."""
    with translation.override("ko"):
        _seed(stdout, rng)


def _seed(stdout, rng: random.Random) -> None:
    today = timezone.localdate()
    plans = plan_vendors(rng, today)
    operator = User.objects.filter(email=OPERATOR_EMAIL).first()
    owners, owners_created = demo_users_ensure(
        [DemoUser(plan.owner_email, plan.spec.representative, date_joined=plan.history[0][1]) for plan in plans]
    )
    existing = {v.business_number: v for v in Vendor.objects.filter(business_number__in=[p.business_number for p in plans])}
    written = _Written()
    created = repaired = 0
    vendors = []
    try:
        for plan in plans:
            owner = owners[plan.owner_email]
            vendor = existing.get(plan.business_number)
            if vendor is None:
                vendor = _create(plan, owner, operator, written)
                created += 1
            else:
                repaired += _repair(vendor, plan, owner, written)
            if not vendor.mail_order_number:
                vendor.mail_order_number = mail_order_number(plan)
                Vendor.objects.filter(pk=vendor.pk).update(mail_order_number=vendor.mail_order_number)
            vendors.append(vendor)
        # One person in two enterprises: vendor1 also works for the second vendor.
        VendorMembership.objects.get_or_create(
            user=owners[plans[0].owner_email], vendor=vendors[1], defaults={"role": MembershipRole.STAFF}
        )
    except BaseException:
        written.delete_all()
        raise

    facts = _social_facts(vendors, operator, rng)
    renewals = _renewal_pending(plans, vendors, owners)

    counts = Counter(Vendor.objects.filter(pk__in=[v.pk for v in vendors]).values_list("status", flat=True))
    states = ", ".join(f"{status.label} {counts[status]}" for status in VendorStatus if counts[status])
    stdout.write(f"  입점기업 {len(vendors)}곳 (새로 {created}곳): {states}")
    stdout.write(
        f"  기업 회원 {len(owners)}명 (새로 {owners_created}명): vendor1~{len(plans)}@ddasum.kr; "
        f"vendor1은 {vendors[0].name}의 대표, {vendors[1].name}의 직원"
    )
    stdout.write(f"  사회적 가치 정보 {facts}건 (운영자 확인 포함)")
    pending = CertificationRenewal.objects.filter(status=RenewalStatus.PENDING).select_related("vendor").first()
    if pending is not None:
        stdout.write(f"  인증 갱신 확인 대기: {pending.vendor.name} (새로 {renewals}건; 확인 전까지 기관과 서류 묶음에는 "
                     f"기존 인증서가 갑니다)")
    stdout.write(f"  서류 열람 기록 {DocumentRead.objects.count()}건 (운영자 심사)")
    if repaired:
        stdout.write(f"  사라진 파일 {repaired}개를 다시 만들었습니다")
    if not has_korean_font():
        stdout.write(f"  한글 글꼴({FONT_BOLD})이 없어 서류는 빈 PDF, 로고·도장은 영문 머리글자로 만들었습니다")


SOCIAL_FACT_VALUES = {
    SocialFactKind.VULNERABLE_EMPLOYMENT: ("직원 {n}명 중 {k}명이 취약계층", "고용노동부 사회적기업 인증 보고서"),
    SocialFactKind.LOCAL_SOURCING: ("원재료의 {p}%를 충남에서 조달", "매입 장부 확인"),
    SocialFactKind.ECO_PACKAGING: ("종이 완충재, 플라스틱 테이프 없는 포장", "포장재 사진 확인"),
    SocialFactKind.COMMUNITY_REINVESTMENT: ("이익의 {p}%를 마을 공동기금에 적립", "총회 의결서"),
    SocialFactKind.ELDERLY_JOBS: ("만 65세 이상 어르신 {k}명 고용", "근로계약서 확인"),
}


def _social_facts(vendors, operator, rng: random.Random) -> int:
    """Social-value facts for the approved vendors; most verified by the operator, some still waiting."""
    count = 0
    for i, vendor in enumerate(v for v in vendors if v.status == VendorStatus.APPROVED):
        kinds = rng.sample(list(SOCIAL_FACT_VALUES), k=1 + i % 3)
        for j, kind in enumerate(kinds):
            template, evidence = SOCIAL_FACT_VALUES[kind]
            staff = rng.randint(6, 30)
            value = template.format(n=staff, k=rng.randint(2, staff // 2 + 1), p=rng.choice([30, 50, 70, 90]))
            verified = (i + j) % 5 != 0
            VendorSocialFact.objects.get_or_create(
                vendor=vendor, kind=kind,
                defaults={"value": value, "evidence": evidence, "verified_by": operator if verified else None,
                          "verified_at": timezone.now() if verified else None},
            )
            count += 1
    return count


# --- for the later steps -------------------------------------------------------------------------


def region_short(region: str) -> str:
    """The city's or county's name without 시/군 (천안 for cheonan), as product and branch names use it."""
    with translation.override("ko"):
        return str(Region(region).label)[:-1]


def demo_vendor1() -> Vendor | None:
    """The enterprise vendor1@ddasum.kr owns (the demo's vendor account), if the vendors are seeded."""
    membership = (VendorMembership.objects.filter(user__email=VENDOR1_EMAIL, role=MembershipRole.OWNER)
                  .select_related("vendor").order_by("pk").first())
    return membership.vendor if membership else None


def vendor_owners() -> dict[int, User]:
    """The owner of each enterprise, by vendor id."""
    return {m.vendor_id: m.user for m in
            VendorMembership.objects.filter(role=MembershipRole.OWNER).select_related("user").order_by("pk")}
