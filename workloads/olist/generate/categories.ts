/**
 * Olist's product_category_name_translation.csv: the 71 categories, in the
 * published order, with the published English spellings (typos included:
 * they are part of the dataset that pipelines must cope with).
 */
export const PRODUCT_CATEGORIES: readonly (readonly [portuguese: string, english: string])[] = [
  ['beleza_saude', 'health_beauty'], ['informatica_acessorios', 'computers_accessories'], ['automotivo', 'auto'],
  ['cama_mesa_banho', 'bed_bath_table'], ['moveis_decoracao', 'furniture_decor'], ['esporte_lazer', 'sports_leisure'],
  ['perfumaria', 'perfumery'], ['utilidades_domesticas', 'housewares'], ['telefonia', 'telephony'],
  ['relogios_presentes', 'watches_gifts'], ['alimentos_bebidas', 'food_drink'], ['bebes', 'baby'], ['papelaria', 'stationery'],
  ['tablets_impressao_imagem', 'tablets_printing_image'], ['brinquedos', 'toys'], ['telefonia_fixa', 'fixed_telephony'],
  ['ferramentas_jardim', 'garden_tools'], ['fashion_bolsas_e_acessorios', 'fashion_bags_accessories'],
  ['eletroportateis', 'small_appliances'], ['consoles_games', 'consoles_games'], ['audio', 'audio'],
  ['fashion_calcados', 'fashion_shoes'], ['cool_stuff', 'cool_stuff'], ['malas_acessorios', 'luggage_accessories'],
  ['climatizacao', 'air_conditioning'], ['construcao_ferramentas_construcao', 'construction_tools_construction'],
  ['moveis_cozinha_area_de_servico_jantar_e_jardim', 'kitchen_dining_laundry_garden_furniture'],
  ['construcao_ferramentas_jardim', 'costruction_tools_garden'], ['fashion_roupa_masculina', 'fashion_male_clothing'],
  ['pet_shop', 'pet_shop'], ['moveis_escritorio', 'office_furniture'], ['market_place', 'market_place'],
  ['eletronicos', 'electronics'], ['eletrodomesticos', 'home_appliances'], ['artigos_de_festas', 'party_supplies'],
  ['casa_conforto', 'home_confort'], ['construcao_ferramentas_ferramentas', 'costruction_tools_tools'],
  ['agro_industria_e_comercio', 'agro_industry_and_commerce'], ['moveis_colchao_e_estofado', 'furniture_mattress_and_upholstery'],
  ['livros_tecnicos', 'books_technical'], ['casa_construcao', 'home_construction'], ['instrumentos_musicais', 'musical_instruments'],
  ['moveis_sala', 'furniture_living_room'], ['construcao_ferramentas_iluminacao', 'construction_tools_lights'],
  ['industria_comercio_e_negocios', 'industry_commerce_and_business'], ['alimentos', 'food'], ['artes', 'art'],
  ['moveis_quarto', 'furniture_bedroom'], ['livros_interesse_geral', 'books_general_interest'],
  ['construcao_ferramentas_seguranca', 'construction_tools_safety'], ['fashion_underwear_e_moda_praia', 'fashion_underwear_beach'],
  ['fashion_esporte', 'fashion_sport'], ['sinalizacao_e_seguranca', 'signaling_and_security'], ['pcs', 'computers'],
  ['artigos_de_natal', 'christmas_supplies'], ['fashion_roupa_feminina', 'fashio_female_clothing'],
  ['eletrodomesticos_2', 'home_appliances_2'], ['livros_importados', 'books_imported'], ['bebidas', 'drinks'],
  ['cine_foto', 'cine_photo'], ['la_cuisine', 'la_cuisine'], ['musica', 'music'], ['casa_conforto_2', 'home_comfort_2'],
  ['portateis_casa_forno_e_cafe', 'small_appliances_home_oven_and_coffee'], ['cds_dvds_musicais', 'cds_dvds_musicals'],
  ['dvds_blu_ray', 'dvds_blu_ray'], ['flores', 'flowers'], ['artes_e_artesanato', 'arts_and_craftmanship'],
  ['fraldas_higiene', 'diapers_and_hygiene'], ['fashion_roupa_infanto_juvenil', 'fashion_childrens_clothes'],
  ['seguros_e_servicos', 'security_and_services'],
];

/**
 * Products per category in Olist (top of the list), so big categories stay big;
 * the rest share a small tail weight.
 */
export const CATEGORY_PRODUCT_WEIGHTS: Readonly<Record<string, number>> = {
  cama_mesa_banho: 3029, esporte_lazer: 2867, moveis_decoracao: 2657, beleza_saude: 2444, utilidades_domesticas: 2335,
  automotivo: 1900, informatica_acessorios: 1639, brinquedos: 1411, relogios_presentes: 1329, telefonia: 1134,
  bebes: 919, perfumaria: 868, fashion_bolsas_e_acessorios: 849, papelaria: 849, cool_stuff: 789,
  ferramentas_jardim: 753, pet_shop: 719, eletronicos: 517, construcao_ferramentas_construcao: 400, eletroportateis: 231,
};

/** Median price (BRL) by category where it differs a lot from the overall median. */
export const CATEGORY_MEDIAN_PRICE: Readonly<Record<string, number>> = {
  pcs: 1100, eletrodomesticos_2: 450, portateis_casa_forno_e_cafe: 400, climatizacao: 200, moveis_escritorio: 200,
  relogios_presentes: 130, consoles_games: 110, telefonia: 30, telefonia_fixa: 90, papelaria: 50, alimentos_bebidas: 40,
  livros_interesse_geral: 35, fraldas_higiene: 40, flores: 30, informatica_acessorios: 80, moveis_sala: 130,
};

/**
 * Shelves a returning customer moves between: a nursery buyer comes back for
 * toys or nappies, a desk buyer for a chair. Each group lists categories that
 * are bought by the same people; a category in no group has no neighbours.
 */
export const CATEGORY_NEIGHBOURHOODS: readonly (readonly string[])[] = [
  ['cama_mesa_banho', 'moveis_decoracao', 'utilidades_domesticas', 'casa_conforto', 'moveis_sala', 'moveis_quarto', 'moveis_colchao_e_estofado', 'la_cuisine'],
  ['bebes', 'brinquedos', 'fraldas_higiene', 'fashion_roupa_infanto_juvenil', 'artigos_de_festas'],
  ['informatica_acessorios', 'telefonia', 'eletronicos', 'pcs', 'tablets_impressao_imagem', 'consoles_games', 'audio', 'moveis_escritorio', 'papelaria'],
  ['beleza_saude', 'perfumaria', 'relogios_presentes', 'fashion_bolsas_e_acessorios', 'fashion_calcados', 'fashion_roupa_feminina', 'fashion_underwear_e_moda_praia'],
  ['esporte_lazer', 'fashion_esporte', 'fashion_roupa_masculina', 'malas_acessorios'],
  ['ferramentas_jardim', 'construcao_ferramentas_construcao', 'construcao_ferramentas_jardim', 'construcao_ferramentas_ferramentas', 'construcao_ferramentas_iluminacao', 'casa_construcao', 'moveis_cozinha_area_de_servico_jantar_e_jardim'],
  ['eletroportateis', 'eletrodomesticos', 'eletrodomesticos_2', 'portateis_casa_forno_e_cafe', 'climatizacao'],
  ['livros_tecnicos', 'livros_interesse_geral', 'livros_importados', 'cds_dvds_musicais', 'dvds_blu_ray', 'musica', 'instrumentos_musicais'],
  ['alimentos_bebidas', 'alimentos', 'bebidas', 'pet_shop'],
];
